import Foundation
import Histogram
import Synchronization
import SyncClient
import SyncModel

/// Write-to-other-device latency through live pokes (protocol/README.md §7a): `listeners` devices hold
/// event streams; for each round, a second device of one listener's helper writes a household field, and
/// the time from sending the write to that listener's poke is recorded. Behind a load balancer the writes
/// and the streams land on different nodes, so most pokes cross nodes (PostgreSQL `LISTEN/NOTIFY`).
public struct PokeLatencyTest: Sendable {
    public struct Config: Sendable {
        public var listeners = 20
        public var rounds = 200
        /// A round without a poke after this long counts as missed.
        public var timeout: Duration = .seconds(2)
        public init() {}
    }

    public struct Report: Sendable {
        public var rounds = 0
        public var missed = 0
        public var errors = 0
        public var latency = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)

        public var summary: String {
            func ms(_ percentile: Double) -> String { String(format: "%.1f", Double(latency.valueAtPercentile(percentile)) / 1000) }
            return """
                rounds 轮次: \(rounds)  missed 未收到: \(missed)  errors 错误: \(errors)
                write → poke latency 写入到通知延迟 ms: p50 \(ms(50)) p95 \(ms(95)) p99 \(ms(99)) max \(String(format: "%.1f", Double(latency.max) / 1000))
                """
        }
    }

    public let config: Config
    public let server: any SimulationServer

    public init(config: Config, server: any SimulationServer) {
        self.config = config
        self.server = server
    }

    public func run() async throws -> Report {
        let helpers = try await server.helpers(limit: config.listeners)
        guard !helpers.isEmpty else { throw ConformanceFailure("the server has no helpers with households: seed it first") }
        struct Pair: Sendable {
            var writerId: String
            var writer: any SyncTransport
            var household: String
        }
        var pairs: [Pair] = []
        let arrivals = PokeArrivals()
        var report = Report()
        try await withThrowingTaskGroup(of: Void.self) { listening in
            for (index, helper) in helpers.enumerated() {
                let listener = try await server.enroll(helperId: helper)
                let pokes = try await server.transport(session: listener).pokes()
                listening.addTask {
                    for try await _ in pokes { arrivals.times.withLock { $0[index, default: []].append(.now) } }
                }
                let writerSession = try await server.enroll(helperId: helper)
                let writerId = writerSession.deviceId
                let writer = try server.transport(session: writerSession)
                let page = try await writer.pull(cursor: "", maxBytes: nil)
                guard let household = page.changes.first(where: { $0.collection == "households" })?.recordId else {
                    throw ConformanceFailure("helper \(helper) sees no household")
                }
                pairs.append(Pair(writerId: writerId, writer: writer, household: household))
            }
            try await Task.sleep(for: .milliseconds(500))
            arrivals.times.withLock { $0.removeAll() }
            var seqs = [Int64](repeating: 0, count: pairs.count)
            for round in 0..<config.rounds {
                let index = round % pairs.count
                let pair = pairs[index]
                let started = ContinuousClock.now
                do {
                    let response = try await pair.writer.push(PushRequest(deviceId: pair.writerId, mutations: [
                        Mutation(seq: seqs[index] + 1, collection: "households", recordId: pair.household, op: .set,
                                 fields: ["address": .string("通知测试\(round)号")],
                                 stamp: HLCTimestamp(physical: Int64(Date().timeIntervalSince1970 * 1000), logical: 0,
                                                     node: pair.writerId)),
                    ]))
                    seqs[index] = response.lastAppliedSeq
                } catch {
                    report.errors += 1
                    continue
                }
                report.rounds += 1
                var poked: ContinuousClock.Instant?
                while poked == nil && ContinuousClock.now - started < config.timeout {
                    poked = arrivals.times.withLock { $0[index]?.first { $0 >= started } }
                    if poked == nil { try await Task.sleep(for: .milliseconds(1)) }
                }
                if let poked {
                    let elapsed = poked - started
                    _ = report.latency.record(UInt64(elapsed.components.seconds * 1_000_000
                                                     + elapsed.components.attoseconds / 1_000_000_000_000))
                } else {
                    report.missed += 1
                }
                arrivals.times.withLock { $0[index] = [] }
            }
            listening.cancelAll()
        }
        try await server.shutdown()
        return report
    }
}

/// When each listener was poked, by listener index.
final class PokeArrivals: Sendable {
    let times = Mutex([Int: [ContinuousClock.Instant]]())
}
