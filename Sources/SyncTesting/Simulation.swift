import FieldDomain
import Foundation
import Histogram
import Synchronization
import SyncClient
import SyncModel

/// Drives many virtual helpers through the real client module against a server, then proves convergence:
/// every device's local view equals the server's data for that device, every accepted mutation is there
/// exactly once, every household field holds its newest write, and only the deliberately invalid writes
/// were rejected.
public struct Simulation: Sendable {
    public let config: SimulationConfig
    public let server: any SimulationServer

    public init(config: SimulationConfig, server: any SimulationServer) {
        self.config = config
        self.server = server
    }

    public func run() async throws -> SimulationReport {
        var report = SimulationReport(seed: config.seed)
        report.days = config.days
        let helperCount = max(1, (config.devices + config.devicesPerHelper - 1) / config.devicesPerHelper)
        let helpers = try await server.helpers(limit: helperCount)
        guard !helpers.isEmpty else { throw ConformanceFailure("the server has no helpers with households: seed it first") }
        report.helpers = helpers.count
        let start = config.now() - Int64(config.days + 1) * 86_400_000
        var devices: [VirtualDevice] = []
        for index in 0..<config.devices {
            let helperId = helpers[index % helpers.count]
            let session = try await server.enroll(helperId: helperId)
            let deviceId = session.deviceId
            let store: any LocalStore
            if let directory = config.storeDirectory {
                store = try SQLiteLocalStore(path: (directory as NSString).appendingPathComponent("\(deviceId).sqlite"))
            } else {
                store = MemoryLocalStore()
            }
            devices.append(VirtualDevice(
                deviceId: deviceId, helperId: helperId, session: session, transport: try server.transport(session: session),
                store: store, faults: config.faults,
                seed: config.seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(index), start: start, logger: config.deviceLogger))
        }
        report.devices = devices.count

        let began = ContinuousClock.now
        let script = DeviceScript(config: config, report: report)

        // Everyone first bootstraps (a new phone), then lives the days, then syncs on a clean network twice:
        // the first round delivers every push, the second brings every device what the others pushed.
        try await forEach(devices) { device in try await script.sync(device, required: true) }
        var moves = Moves()
        for day in 0..<config.days {
            if config.scenario == .reassignment && day > 0 {
                try await reassign(devices, helpers: helpers, day: day, moves: &moves)
            }
            let dayStart = start + Int64(day + 1) * 86_400_000
            try await forEach(devices) { device in try await script.liveDay(device, dayStart: dayStart) }
        }
        for device in devices { device.network.setFaults(.none) }
        for _ in 0..<2 {
            try await forEach(devices) { device in try await script.sync(device, required: true) }
        }
        let elapsed = ContinuousClock.now - began
        report = script.stats.withLock { $0 }
        report.seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        for device in devices {
            let counts = device.network.counts
            report.droppedRequests += counts.droppedRequests
            report.droppedResponses += counts.droppedResponses
            report.duplicatedRequests += counts.duplicated
        }
        let check = ConvergenceCheck(server: server, ledger: script.ledger.withLock { $0 })
        report.failures = try await check.verify(devices, report: &report)
        report.reassignments = moves.count
        report.failures += try await moves.verify(devices)
        if config.scenario == .contention {
            try await review(devices, script: script, check: check, report: &report)
        }
        if config.cardRate > 0 { try await checkCards(devices, script: script, report: &report) }
        try await server.shutdown()
        return report
    }

    /// Contention scenario: an admin resolves every open conflict (alternating sides), everyone syncs twice,
    /// and every device must again equal the server, with no record left "待核实".
    private func review(_ devices: [VirtualDevice], script: DeviceScript, check: ConvergenceCheck,
                        report: inout SimulationReport) async throws {
        var turn = 0
        while true {
            let open = try await server.openConflicts(limit: 500)
            if open.isEmpty { break }
            for conflict in open {
                // Earlier runs against the same database resolved all of theirs, so what is open now is
                // exactly what this run opened for review.
                report.conflictsByKind[conflict.kind, default: 0] += 1
                turn += 1
                report.conflictsResolved += try await server.resolveConflict(
                    id: conflict.id, choice: turn % 2 == 0 ? "existing" : "incoming", reason: "模拟审核：入户核实后确认")
            }
        }
        for _ in 0..<2 {
            try await forEach(devices) { device in try await script.sync(device, required: true) }
        }
        report.failures += try await check.verifyViews(devices).map { "after review: " + $0 }
    }

    /// Reassignment scenario: before a day, an admin moves about a tenth of the helpers' households (at
    /// least one) to another helper, while most devices are still offline with writes of their own.
    private func reassign(_ devices: [VirtualDevice], helpers: [String], day: Int, moves: inout Moves) async throws {
        guard helpers.count >= 2 else { return }
        var random = SplitMix64(seed: config.seed &+ UInt64(day) &* 0x2545_F491_4F6C_DD1D)
        for _ in 0..<max(1, helpers.count / 10) {
            let device = devices[Int.random(in: 0..<devices.count, using: &random)]
            // A household this device's helper holds now (its local view may be stale; the server decides).
            let households = try await device.client.households().map(\.id).filter { moves.holder[$0, default: device.helperId] == device.helperId }
            guard let household = households.randomElement(using: &random) else { continue }
            let others = helpers.filter { $0 != device.helperId }
            let helper = others[Int.random(in: 0..<others.count, using: &random)]
            try await server.assign(household: household, helper: helper, replacing: device.helperId)
            moves.record(household, from: device.helperId, to: helper)
        }
    }

    /// Runs `body` for every device, at most `config.concurrency` at once.
    func forEach(_ devices: [VirtualDevice], _ body: @escaping @Sendable (VirtualDevice) async throws -> Void)
        async throws
    {
        try await withThrowingTaskGroup(of: Void.self) { group in
            var next = 0
            for _ in 0..<min(config.concurrency, devices.count) {
                let device = devices[next]
                next += 1
                group.addTask { try await body(device) }
            }
            while try await group.next() != nil {
                if next < devices.count {
                    let device = devices[next]
                    next += 1
                    group.addTask { try await body(device) }
                }
            }
        }
    }
}

/// The households the reassignment scenario moved, and where each ended.
struct Moves: Sendable {
    /// The helper holding each moved household now.
    var holder: [String: String] = [:]
    /// Every helper a moved household was taken from.
    var from: [String: Set<String>] = [:]
    var count = 0

    mutating func record(_ household: String, from old: String, to new: String) {
        holder[household] = new
        from[household, default: []].insert(old)
        count += 1
    }

    /// Every device of the final holder holds each moved household; no device of a helper it was taken
    /// from (and not given back to) still does.
    func verify(_ devices: [VirtualDevice]) async throws -> [String] {
        var failures: [String] = []
        for device in devices {
            let held = Set(try await device.client.households().map(\.id))
            for (household, owner) in holder {
                if owner == device.helperId && !held.contains(household) {
                    failures.append("\(device.deviceId): household \(household) moved to its helper but is missing")
                }
                if owner != device.helperId && from[household, default: []].contains(device.helperId) && held.contains(household) {
                    failures.append("\(device.deviceId): household \(household) moved away but is still held")
                }
            }
        }
        return failures
    }
}
