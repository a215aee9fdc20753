import Foundation
import Logging
import Synchronization
import Testing
@testable import SyncClient
import SyncModel

/// A manual wall clock in milliseconds.
final class TestClock: Sendable {
    private let now: Mutex<Int64>
    init(_ start: Int64 = 1_763_800_000_000) { now = Mutex(start) }
    func read() -> Int64 { now.withLock { $0 } }
    func advance(by milliseconds: Int64) { now.withLock { $0 += milliseconds } }
}

/// Records backoff sleeps instead of waiting.
final class SleepRecorder: Sendable {
    private let sleeps = Mutex<[Duration]>([])
    var recorded: [Duration] { sleeps.withLock { $0 } }
    var seconds: [Double] {
        recorded.map { Double($0.components.seconds) + Double($0.components.attoseconds) / 1e18 }
    }
    func sleep(_ duration: Duration) async throws { sleeps.withLock { $0.append(duration) } }
}

/// SplitMix64: a seeded generator for ids and jitter.
struct SeededGenerator: RandomNumberGenerator, Sendable {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Always the largest value: full jitter then waits the whole ceiling, which makes delays exact.
struct MaxGenerator: RandomNumberGenerator, Sendable {
    mutating func next() -> UInt64 { .max }
}

/// The two store adapters, for tests that must hold for both.
enum StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case memory
    case sqlite

    var testDescription: String { rawValue }

    func make() throws -> any LocalStore {
        switch self {
        case .memory: return MemoryLocalStore()
        case .sqlite: return try SQLiteLocalStore(path: Self.temporaryDatabasePath())
        }
    }

    static func temporaryDatabasePath() throws -> String {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("syncclient-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory.appendingPathComponent("local.sqlite").path
    }
}

/// One simulated device: a client over a store, talking to a fake server.
struct Device {
    let client: SyncClient
    let store: any LocalStore
    let clock: TestClock
    let sleeps: SleepRecorder

    init(_ id: String = "dev-1", store: any LocalStore, server: FakeSyncServer,
         policy: RetryPolicy = RetryPolicy(maxAttempts: 1), clock: TestClock = TestClock(),
         random: some RandomNumberGenerator & Sendable = SeededGenerator(seed: 42)) {
        let sleeps = SleepRecorder()
        self.store = store
        self.clock = clock
        self.sleeps = sleeps
        client = SyncClient(deviceId: id, store: store, transport: server.connection(for: id),
                            clock: { clock.read() }, random: random, policy: policy,
                            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }), sleep: { try await sleeps.sleep($0) })
    }
}

extension VisitDraft {
    static func sample(_ household: String = "h1", notes: String = "入户走访") -> VisitDraft {
        VisitDraft(kind: "household", householdId: household, visitedAt: "2026-11-22T09:30:00+08:00",
                   gps: .init(latitude: 26.58, longitude: 106.71), notes: notes, problems: ["住房漏雨"],
                   measures: ["申请危房改造"], checks: ["food": true, "water": false], photos: [])
    }
}

/// A stamp as another writer (the server, another helper) makes it.
func stamp(_ physical: Int64, _ node: String = "server") -> HLCTimestamp {
    HLCTimestamp(physical: physical, logical: 0, node: node)
}
