import Histogram

/// What a simulated run did and whether every device converged.
public struct SimulationReport: Sendable {
    public var seed: UInt64
    public var devices = 0
    public var helpers = 0
    public var days = 0
    /// Writes the virtual helpers made (each one mutation).
    public var mutations = 0
    /// Mutations the server acknowledged as applied.
    public var applied = 0
    /// Mutations rejected (all of them deliberate invalid writes when the run passes).
    public var rejected = 0
    public var syncs = 0
    /// Syncs that gave up during the days (network faults beyond the retry budget); retried at the end.
    public var failedSyncs = 0
    public var droppedRequests = 0
    public var droppedResponses = 0
    public var duplicatedRequests = 0
    /// Contention scenario: conflicts the run opened for review, by kind, and how many an admin resolved
    /// (soft conflicts are only logged on the server: `bangfu-admin conflicts list --status logged`).
    public var conflictsByKind: [String: Int] = [:]
    /// Reassignment scenario: households moved between helpers while devices were offline.
    public var reassignments = 0
    public var conflictsResolved = 0
    public var seconds: Double = 0
    public var latency = Histogram<UInt64>(highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .three)
    /// 明白卡 (`SimulationConfig.cardRate`): cards issued, requests lost to the network, the timed burst at the
    /// end, and the sample verified offline (on the phones) and online, by verdict.
    public var cardsIssued = 0
    public var cardRequestsFailed = 0
    public var cardBurst = 0
    public var cardBurstSeconds: Double = 0
    public var cardsVerifiedOffline = 0
    public var cardsVerifiedOnline = 0
    public var cardVerdicts: [String: Int] = [:]
    public var cardsOnReprintList = 0
    /// Every broken guarantee found; empty when the run converged.
    public var failures: [String] = []

    public var passed: Bool { failures.isEmpty }
    public var mutationsPerSecond: Double { seconds > 0 ? Double(applied + rejected) / seconds : 0 }

    /// A printable summary (zh-CN labels first).
    public var summary: String {
        func ms(_ percentile: Double) -> String {
            String(format: "%.1f", Double(latency.valueAtPercentile(percentile)) / 1000)
        }
        var lines = [
            "seed 种子: \(seed)  (replay: --seed \(seed))",
            "devices 设备: \(devices)  helpers 帮扶人: \(helpers)  days 天数: \(days)",
            "mutations 写入: \(mutations)  applied 已应用: \(applied)  rejected 被拒(预期): \(rejected)",
            "syncs 同步: \(syncs)  failed-then-retried 失败重试: \(failedSyncs)",
            "faults 注入故障: requests lost \(droppedRequests), responses lost \(droppedResponses), duplicated \(duplicatedRequests)",
            String(format: "time 用时: %.2f s  throughput 吞吐: %.1f mutations/s", seconds, mutationsPerSecond),
            "sync latency 同步延迟 ms: p50 \(ms(50)) p95 \(ms(95)) p99 \(ms(99)) max \(String(format: "%.1f", Double(latency.max) / 1000))",
        ]
        if !conflictsByKind.isEmpty || conflictsResolved > 0 {
            lines.append("conflicts 冲突: opened for review 待审核 hard \(conflictsByKind["hard", default: 0]), deleted "
                         + "\(conflictsByKind["deleted", default: 0]); resolved 已处理 \(conflictsResolved) (a side chosen also settles the "
                         + "other fields of the same edit); then every device synced and was checked again 审核后再次校验")
        }
        if reassignments > 0 {
            lines.append("reassignments 帮扶调整: \(reassignments) households moved while devices were offline; each device "
                         + "holds exactly its helper's households 迁入迁出已校验")
        }
        if cardsIssued > 0 {
            let verdicts = cardVerdicts.keys.sorted().map { "\($0) \(cardVerdicts[$0]!)" }.joined(separator: ", ")
            lines.append("cards 明白卡: issued 签发 \(cardsIssued) (lost to the network 网络丢失 \(cardRequestsFailed)); burst 集中签发 "
                         + "\(cardBurst) in " + String(format: "%.2f s = %.0f cards/s", cardBurstSeconds,
                                                       cardBurstSeconds > 0 ? Double(cardBurst) / cardBurstSeconds : 0))
            lines.append("cards verified 核验: offline 离线 \(cardsVerifiedOffline), online 在线 \(cardsVerifiedOnline) (\(verdicts)); "
                         + "reprint list 待重印 \(cardsOnReprintList) = households whose newest card is outdated 已校验")
        }
        if passed {
            lines.append("result 结果: CONVERGED 全部设备一致, no accepted mutation lost 无丢失")
        } else {
            lines.append("result 结果: FAILED 失败 (\(failures.count))")
            lines += failures.prefix(20).map { "  - " + $0 }
        }
        return lines.joined(separator: "\n")
    }
}
