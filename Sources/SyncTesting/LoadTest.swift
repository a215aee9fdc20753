import Foundation
import Histogram
import Synchronization
import SyncClient
import SyncModel

/// The load mode: devices push batches of new visits as fast as the server acknowledges them, for a fixed
/// time. Measures acknowledged (durably committed) mutations per second and push latency, then checks that
/// the server's sequence for every device equals what it acknowledged.
public struct LoadTest: Sendable {
    public struct Config: Sendable {
        public var devices = 100
        public var batch = 50
        public var seconds: Double = 20
        public var seed: UInt64 = 42
        public init() {}
    }

    public struct Report: Sendable {
        public var devices = 0
        public var batch = 0
        public var pushes = 0
        public var acknowledged = 0
        public var errors = 0
        public var seconds: Double = 0
        public var latency = Histogram<UInt64>(highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .three)
        public var failures: [String] = []

        public var mutationsPerSecond: Double { seconds > 0 ? Double(acknowledged) / seconds : 0 }

        public var summary: String {
            func ms(_ percentile: Double) -> String {
                String(format: "%.1f", Double(latency.valueAtPercentile(percentile)) / 1000)
            }
            var lines = [
                "devices 设备: \(devices)  batch 每批: \(batch)  pushes 推送: \(pushes)  errors 错误: \(errors)",
                String(format: "acknowledged 已确认: %d mutations in %.2f s = %.0f mutations/s", acknowledged, seconds,
                       mutationsPerSecond),
                "push latency 推送延迟 ms: p50 \(ms(50)) p95 \(ms(95)) p99 \(ms(99)) max \(String(format: "%.1f", Double(latency.max) / 1000))",
            ]
            lines.append(failures.isEmpty ? "result 结果: OK, every acknowledged mutation is on the server"
                                           : "result 结果: FAILED\n" + failures.prefix(10).map { "  - " + $0 }.joined(separator: "\n"))
            return lines.joined(separator: "\n")
        }
    }

    public let config: Config
    public let server: any SimulationServer

    public init(config: Config, server: any SimulationServer) {
        self.config = config
        self.server = server
    }

    struct LoadDevice: Sendable {
        var deviceId: String
        var session: DeviceSession
        var transport: any SyncTransport
        var household: String
    }

    public func run() async throws -> Report {
        var report = Report()
        report.devices = config.devices
        report.batch = config.batch
        let helpers = try await server.helpers(limit: config.devices)
        guard !helpers.isEmpty else { throw ConformanceFailure("the server has no helpers with households: seed it first") }
        var devices: [LoadDevice] = []
        for index in 0..<config.devices {
            let session = try await server.enroll(helperId: helpers[index % helpers.count])
            let deviceId = session.deviceId
            let transport = try server.transport(session: session)
            let page = try await transport.pull(cursor: "", maxBytes: nil)
            guard let household = page.changes.first(where: { $0.collection == "households" })?.recordId else {
                throw ConformanceFailure("device \(deviceId) sees no household")
            }
            devices.append(LoadDevice(deviceId: deviceId, session: session, transport: transport, household: household))
        }
        let counters = LoadCounters(report)
        let deadline = ContinuousClock.now + .milliseconds(Int64(config.seconds * 1000))
        let began = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, device) in devices.enumerated() {
                let config = self.config
                group.addTask {
                    var seq: Int64 = 0
                    // Ids derive from the device id (new every run), so repeated runs against one database never collide.
                    let random = SeededRandomSource(seed: device.deviceId.utf8.reduce(config.seed &+ UInt64(index)) {
                        ($0 ^ UInt64($1)) &* 0x100_0000_01B3
                    })
                    while ContinuousClock.now < deadline {
                        let now = Int64(Date().timeIntervalSince1970 * 1000)
                        var mutations: [Mutation] = []
                        for offset in 1...config.batch {
                            // Visits are evidence: each is signed with the phone's key, as the app does.
                            let id = random.uuid()
                            var fields: [String: JSONValue] = [
                                "kind": "household", "householdId": .string(device.household),
                                "visitedAt": "2026-11-20T09:30:00+08:00", "notes": "负载测试走访记录",
                                "checks": ["incomeVerified": true, "satisfaction": "satisfied"],
                            ]
                            fields[DeviceSignature.field] = try await device.session.signVisit(recordId: id, fields: fields)
                            mutations.append(Mutation(seq: seq + Int64(offset), collection: "visits", recordId: id, op: .create,
                                                      fields: fields,
                                                      stamp: HLCTimestamp(physical: now, logical: UInt32(offset), node: device.deviceId)))
                        }
                        let started = ContinuousClock.now
                        do {
                            let response = try await device.transport.push(
                                PushRequest(deviceId: device.deviceId, clientVersion: "bangfu-sim/load", mutations: mutations))
                            let elapsed = ContinuousClock.now - started
                            let applied = response.results.filter { $0.status == .applied && $0.replayed != true }.count
                            seq = response.lastAppliedSeq
                            counters.report.withLock { stats in
                                stats.pushes += 1
                                stats.acknowledged += applied
                                _ = stats.latency.record(UInt64(elapsed.components.seconds * 1_000_000
                                                                + elapsed.components.attoseconds / 1_000_000_000_000))
                            }
                        } catch {
                            counters.report.withLock { $0.errors += 1 }
                            try await Task.sleep(for: .milliseconds(50))
                        }
                    }
                    counters.seqs.withLock { $0[device.deviceId] = seq }
                }
            }
            try await group.waitForAll()
        }
        let elapsed = ContinuousClock.now - began
        report = counters.report.withLock { $0 }
        report.seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let serverSeqs = try await server.lastAppliedSeqs()
        for (deviceId, acknowledged) in counters.seqs.withLock({ $0 }) where serverSeqs[deviceId] != acknowledged {
            report.failures.append("\(deviceId): acknowledged up to \(acknowledged), server has \(serverSeqs[deviceId] ?? -1)")
        }
        try await server.shutdown()
        return report
    }
}

/// Shared counters of a load run.
final class LoadCounters: Sendable {
    let report: Mutex<LoadTest.Report>
    /// The last sequence number each device saw acknowledged.
    let seqs = Mutex([String: Int64]())

    init(_ report: LoadTest.Report) { self.report = Mutex(report) }
}
