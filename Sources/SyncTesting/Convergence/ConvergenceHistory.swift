import FieldDomain
import Foundation
import Logging
import SyncClient
import SyncEngine
import SyncModel
import SyncService
import SyncStore
import Synchronization

/// One randomized history (DESIGN §3.7; protocol/conflicts.md §10): 2–20 devices whose helpers share the
/// same households edit them while offline — household fields, reviewed fields, policy elements, members,
/// visits and amendments — sync in random order over a network that drops, duplicates, delays and reorders
/// requests and responses, while an admin deletes a member. Then every device syncs on a clean network,
/// and the history is checked; then an admin resolves every open conflict, everyone syncs again, and it is
/// checked again.
///
/// Everything runs in one task against an in-process server (the real service and planner over the
/// in-memory store, through the wire's JSON), so a history is a pure function of its choices: the same
/// seed (or script) replays the same history.
public struct ConvergenceHistory: Sendable {
    /// What a history did and what it found.
    public struct Report: Sendable, CustomStringConvertible {
        public var label: String
        public var devices = 0
        public var households = 0
        public var steps = 0
        public var writes = 0
        public var syncs = 0
        public var appliedMutations = 0
        public var hardConflicts = 0
        public var softConflicts = 0
        public var deletedConflicts = 0
        public var resolved = 0
        public var reassignments = 0
        /// Writes refused because their household had left the device's scope before they were made.
        public var revoked = 0
        /// Writes made offline before a reassignment and applied after it.
        public var appliedAfterDeparture = 0
        public var adminDevices = 0
        public var droppedRequests = 0
        public var droppedResponses = 0
        public var duplicated = 0
        public var delayed = 0
        /// Empty when every check held.
        public var failures: [String] = []

        public init(label: String) { self.label = label }

        public var description: String {
            "\(label): \(devices) devices, \(households) households, \(steps) steps, \(writes) writes, \(syncs) syncs, "
                + "\(appliedMutations) applied, conflicts hard \(hardConflicts) / soft \(softConflicts) / deleted "
                + "\(deletedConflicts), \(resolved) resolved; \(reassignments) reassignments, \(revoked) scope_revoked, "
                + "\(appliedAfterDeparture) applied after departure; faults: \(droppedRequests) lost requests, "
                + "\(droppedResponses) lost responses, \(duplicated) duplicated, \(delayed) delayed: "
                + (failures.isEmpty ? "CONVERGED" : "FAILED\n  " + failures.prefix(12).joined(separator: "\n  "))
        }
    }

    public let label: String
    let choices: HistoryChoices
    /// Fixed device count, or nil to choose 2–20.
    let deviceCount: Int?
    let steps: Int?
    /// The server's store (in memory unless a test passes another adapter).
    let makeStore: @Sendable () async throws -> any SyncStore

    /// A history drawn from `seed`.
    public init(seed: UInt64, devices: Int? = nil, steps: Int? = nil) {
        self.label = "seed \(seed)"
        self.choices = HistoryChoices(seed: seed)
        self.deviceCount = devices
        self.steps = steps
        self.makeStore = { MemorySyncStore() }
    }

    /// A history drawn from `seed` against the store `makeStore` gives (e.g. SQLite).
    package init(seed: UInt64, store makeStore: @escaping @Sendable () async throws -> any SyncStore) {
        self.label = "seed \(seed)"
        self.choices = HistoryChoices(seed: seed)
        self.deviceCount = nil
        self.steps = nil
        self.makeStore = makeStore
    }

    /// A history read from `script` (property-based runs): it ends when the script does.
    public init(script: [Int], devices: Int) {
        self.label = "script of \(script.count) choices, \(devices) devices"
        self.choices = HistoryChoices(script: script)
        self.deviceCount = devices
        self.steps = script.count
        self.makeStore = { MemorySyncStore() }
    }

    final class Device: Sendable {
        let id: String
        /// The phone's key and tokens: its visits are signed.
        let session: DeviceSession
        /// Whose scope the device holds.
        var holder: HistoryScopes.Holder { holderValue }
        private let holderValue: HistoryScopes.Holder
        let client: SyncClient
        let network: HistoryTransport
        let online: Mutex<Bool> = Mutex(true)
        /// Visits this device created (amendments may correct them).
        let visits: Mutex<[String]> = Mutex([])

        init(id: String, session: DeviceSession, client: SyncClient, network: HistoryTransport, holder: HistoryScopes.Holder) {
            self.holderValue = holder
            self.id = id
            self.session = session
            self.client = client
            self.network = network
        }
    }

    public func run() async throws -> Report {
        var report = Report(label: label)
        // 2–20 devices, most histories small (they are cheap and explore many interleavings), some crowded.
        let devices = deviceCount ?? {
            switch choices.int(0...9) {
            case 0..<6: return choices.int(2...5)
            case 6..<9: return choices.int(6...12)
            default: return choices.int(13...20)
            }
        }()
        let householdCount = choices.int(1...3)
        let steps = self.steps ?? choices.int(20...(20 + 5 * devices))
        report.devices = devices
        report.households = householdCount
        let world = HistoryWorld(helpers: devices, households: householdCount,
                                 seed: UInt64(truncatingIfNeeded: choices.int(1...1_000_000)))
        let clock = ManualClock()
        let adapter = try await makeStore()
        try await adapter.migrate()
        let byteSource = choices.generator()
        let bytes = Mutex(byteSource)
        let service = SyncService(
            store: adapter, now: { clock.now() },
            randomBytes: { count in bytes.withLock { generator in (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) } } },
            auditKey: TestKeys.key, cipher: TestKeys.cipher, cardKeys: TestKeys.cardKeys, logger: Logger(label: "bangfu.history", factory: { _ in SwiftLogNoOpLogHandler() }))
        // From here on, the store as the service keeps it: personal data encrypted at rest, read back in plaintext.
        let store = service.store
        _ = try await store.importRecords(world.records)
        let seeded = try await world.records.asyncMap { try await store.record(RecordKey($0.collection, $0.id))! }
        let log = HistoryLog()
        let limbo = Limbo()
        var fleet: [Device] = []
        let scopes = HistoryScopes(world.assigned)
        // Most histories also give a village admin a phone: it pulls the village and edits households too.
        let adminPhone = choices.chance(50)
        for index in 0..<(devices + (adminPhone ? 1 : 0)) {
            let issued: IssuedEnrolmentCode
            let holder: HistoryScopes.Holder
            if index < devices {
                issued = try await service.issueEnrolmentCode(helperId: world.helperIds[index], adminId: nil, label: nil,
                                                              expiresInHours: nil, by: HistoryScript.admin)
                holder = .helper(world.helperIds[index])
            } else {
                let account = try await service.createAdmin(name: "村管理员", role: .village, region: world.village,
                                                             by: HistoryScript.admin)
                issued = try await service.issueEnrolmentCode(helperId: nil, adminId: account.account.id, label: nil,
                                                              expiresInHours: nil, by: HistoryScript.admin)
                holder = .region(world.village)
                report.adminDevices += 1
            }
            // Every phone enrols as a real one does, with its own key: every visit in a history is signed.
            let session = try await DeviceSession.enrol(code: issued.code, label: nil,
                                                        transport: InProcessTransport(service: service, session: nil),
                                                        store: MemoryCredentialStore())
            let network = HistoryTransport(
                base: InProcessTransport(service: service, session: session), deviceId: session.deviceId,
                choices: choices, log: log, limbo: limbo, faults: .none,
                inScope: { _, keys in scopes.contains(holder, keys) })
            let skew = Int64(choices.int(-3000...3000))
            let client = SyncClient(
                deviceId: session.deviceId, store: MemoryLocalStore(), transport: network,
                clock: { clock.now() + skew }, random: choices.generator(),
                policy: RetryPolicy(baseDelay: 0.001, factor: 2, maxDelay: 0.01, maxRetryAfter: 0.01, maxAttempts: 3),
                logger: Logger(label: "bangfu.history.device", factory: { _ in SwiftLogNoOpLogHandler() }),
                sleep: { _ in }, session: session)
            fleet.append(Device(id: session.deviceId, session: session, client: client, network: network,
                                holder: holder))
        }
        for device in fleet {
            try await device.client.sync()
            device.network.setFaults(HistoryTransport.Faults())
        }

        let script = HistoryScript(world: world, choices: choices, service: service, log: log, limbo: limbo,
                                   scopes: scopes)
        var deletes = 0
        for _ in 0..<steps {
            if choices.exhausted { break }
            report.steps += 1
            clock.advance(by: Int64(choices.int(1...20)) * 1000)
            let device = choices.pick(fleet)
            let action = choices.int(0...99)
            switch action {
            case 0..<50:
                if try await script.write(device) { report.writes += 1 }
            case 50..<82:
                if device.online.withLock({ $0 }) {
                    report.syncs += 1
                    try await script.sync(device, required: false)
                }
            case 82..<88:
                device.online.withLock { $0.toggle() }
            case 88..<94:
                if limbo.count > 0 { await limbo.deliver(at: choices.int(0...(limbo.count - 1))) }
            case 94..<97:
                if try await script.reassign(now: clock.now()) { report.reassignments += 1 }
            default:
                if deletes < 2, try await script.deleteMember() { deletes += 1 }
            }
        }

        // The network heals: held-back requests arrive in a random order, then everyone syncs twice on a
        // clean network (the first round delivers every outbox, the second brings everyone the others').
        while limbo.count > 0 { await limbo.deliver(at: choices.int(0...(limbo.count - 1))) }
        for device in fleet { device.network.setFaults(.none) }
        for _ in 0..<2 {
            for device in fleet {
                report.syncs += 1
                try await script.sync(device, required: true)
            }
        }

        let checker = HistoryChecker(service: service, store: store, fleet: fleet)
        var model = ReferenceModel(records: seeded, assigned: world.assigned,
                                   holders: Dictionary(uniqueKeysWithValues: fleet.map { ($0.id, $0.holder) }))
        model.replay(log.events)
        report.appliedMutations = model.applied
        report.revoked = model.revoked
        report.appliedAfterDeparture = model.appliedAfterDeparture
        report.failures += log.scopeViolations.prefix(5).map { "scope: " + $0 }
        report.failures += try await checker.devicesHoldExactlyTheirScope(scopes, stage: "after the history")
        report.failures += model.failures.map { "model: " + $0 }
        report.failures += try await checker.devicesMatchServer(stage: "after the history")
        report.failures += try await checker.serverMatchesModel(model)
        let all = try await store.conflicts(ConflictQuery(status: nil, limit: .max))
        report.hardConflicts = all.count { $0.kind == .hard }
        report.softConflicts = all.count { $0.kind == .soft }
        report.deletedConflicts = all.count { $0.kind == .deleted }

        // Review: an admin settles every open conflict; the resolutions must reach every device.
        let expected = try await script.resolveAll(store: store)
        report.resolved = expected.resolved
        for _ in 0..<2 {
            for device in fleet {
                report.syncs += 1
                try await script.sync(device, required: true)
            }
        }
        report.failures += try await checker.devicesMatchServer(stage: "after review")
        report.failures += try await checker.devicesHoldExactlyTheirScope(scopes, stage: "after review")
        report.failures += try await checker.reviewSettled(expected)

        let counters = log.counters
        report.droppedRequests = counters.droppedRequests
        report.droppedResponses = counters.droppedResponses
        report.duplicated = counters.duplicated
        report.delayed = counters.delayed
        return report
    }
}

extension Sequence {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        for element in self { result.append(try await transform(element)) }
        return result
    }
}
