import Logging
import SyncModel

/// The sync client a helper's app embeds: local writes go to an outbox at once (offline first), and
/// ``sync()`` pushes the outbox and pulls the server's changes when there is signal.
///
/// What the app reads is the *view*: the server-confirmed records with the unsent writes applied on top
/// (see ``LocalRecord``). Every local write stamps its fields with the device's hybrid logical clock and
/// takes the next sequence number, in one store transaction. Time, randomness, ids and sleeping are
/// injected, so a test or a simulator can drive thousands of clients deterministically.
public actor SyncClient {
    /// The device this client syncs as.
    public nonisolated let deviceId: String
    /// The backoff used by ``sync()``.
    public nonisolated let policy: RetryPolicy

    let store: any LocalStore
    let transport: any SyncTransport
    let clock: @Sendable () -> Int64
    let sleep: @Sendable (Duration) async throws -> Void
    let injectedMakeId: (@Sendable () -> String)?
    let logger: Logger
    let clientVersion: String?
    let pushBatchSize: Int
    let pullMaxBytes: Int?
    let broadcaster: StatusBroadcaster
    var random: any RandomNumberGenerator & Sendable
    var isPrepared = false
    var isSyncing = false
    var syncWaiters: [CheckedContinuation<Void, Never>] = []
    /// How often ``sync()`` also runs ``verifyIntegrity()`` (nil: never on its own).
    let integrityCheckInterval: Duration?
    /// When the last integrity check ran (clock milliseconds); nil: not since launch.
    var lastIntegrityCheck: Int64?
    /// The enrolled phone's key and tokens; nil for a device enrolled before keys (a fixed token).
    let session: DeviceSession?
    /// The server's clock minus this phone's, from the last answer (`serverTime`): a refresh proof is
    /// stamped with server time, since village phones are often minutes or hours off.
    var serverClockOffset: Int64 = 0

    /// Makes a client.
    /// - Parameters:
    ///   - deviceId: the enrolled device's id; also the node id in its clock stamps.
    ///   - store: where confirmed records, the outbox and the bookkeeping live (one store per device).
    ///   - transport: how to reach the server.
    ///   - clock: the wall clock, milliseconds since 1970.
    ///   - random: the source of backoff jitter and of record ids (unless `makeId` is given).
    ///   - policy: the backoff.
    ///   - logger: where sync events go (no personal data is logged).
    ///   - makeId: makes new record ids (lowercase UUIDs by default, drawn from `random`).
    ///   - sleep: waits during backoff (`Task.sleep` by default; tests record instead).
    ///   - clientVersion: the app version sent with pushes.
    ///   - pushBatchSize: mutations per push request (at most 200).
    ///   - pullMaxBytes: the page size asked of the server, if any.
    ///   - integrityCheckInterval: how often a sync also checks what the device holds against its scope
    ///     (the first sync after launch does, so a restored backup is repaired); nil turns it off.
    ///   - session: the phone's identity after enrolment (``DeviceSession/enrol(code:label:transport:store:)``):
    ///     visits are signed with its key, and expired tokens are refreshed. Its transport must carry the
    ///     same session.
    public init(
        deviceId: String, store: any LocalStore, transport: any SyncTransport, clock: @escaping @Sendable () -> Int64,
        random: some RandomNumberGenerator & Sendable, policy: RetryPolicy = .default, logger: Logger,
        makeId: (@Sendable () -> String)? = nil,
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
        clientVersion: String? = nil, pushBatchSize: Int = 200, pullMaxBytes: Int? = nil,
        integrityCheckInterval: Duration? = .seconds(86_400), session: DeviceSession? = nil
    ) {
        self.session = session
        self.integrityCheckInterval = integrityCheckInterval
        self.deviceId = deviceId
        self.store = store
        self.transport = transport
        self.clock = clock
        self.random = random
        self.policy = policy
        self.logger = logger
        self.injectedMakeId = makeId
        self.sleep = sleep
        self.clientVersion = clientVersion
        self.pushBatchSize = min(max(1, pushBatchSize), 200)
        self.pullMaxBytes = pullMaxBytes
        self.broadcaster = StatusBroadcaster(SyncStatus())
    }

    deinit {
        broadcaster.finish()
    }

    /// The current status snapshot.
    public nonisolated var status: SyncStatus { broadcaster.current }

    /// A stream of statuses: the current one first, then every change (a slow reader sees the newest).
    public nonisolated func statusUpdates() -> AsyncStream<SyncStatus> { broadcaster.stream() }

    // MARK: Reading the view

    /// The households in the view.
    public func households() async throws -> [LocalRecord] { try await records(in: .households) }

    /// The visits in the view, including those not yet sent.
    public func visits() async throws -> [LocalRecord] { try await records(in: .visits) }

    /// The members of `householdId` in the view (members whose `householdId` field names it).
    public func members(of householdId: String) async throws -> [LocalRecord] {
        try await records(in: .members).filter { $0.fields["householdId"] == .string(householdId) }
    }

    /// Every record of `collection` in the view, ordered by id then by creation on this device.
    public func records(in collection: CollectionName) async throws -> [LocalRecord] {
        try await prepareIfNeeded()
        return LocalView.records(try await store.snapshot(collection: collection.rawValue, recordId: nil))
    }

    /// One record of the view, or `nil` when the device does not hold it.
    public func record(collection: CollectionName, id: String) async throws -> LocalRecord? {
        try await prepareIfNeeded()
        return LocalView.records(try await store.snapshot(collection: collection.rawValue, recordId: id)).first
    }

    /// Writes the server refused, for the helper to see (oldest first).
    public func rejectedWrites() async throws -> [RejectedWrite] {
        try await prepareIfNeeded()
        return try await store.rejectedWrites()
    }

    /// Hides a rejected write once the helper has dealt with it.
    public func dismissRejectedWrite(seq: Int64) async throws {
        try await prepareIfNeeded()
        try await store.dismissRejectedWrite(seq: seq)
        try await refreshCounts()
    }

    /// Mutations waiting to be sent.
    public func pendingCount() async throws -> Int {
        try await prepareIfNeeded()
        return try await store.pendingCount()
    }

    // MARK: Internals shared by the extensions

    func prepareIfNeeded() async throws {
        guard !isPrepared else { return }
        _ = try await store.prepare(deviceId: deviceId)
        isPrepared = true
        // An outbox left by an earlier process shows in the status from the first call on.
        try await refreshCounts()
    }

    func refreshCounts() async throws {
        let pending = try await store.pendingCount()
        let rejected = try await store.rejectedWrites().count
        broadcaster.update { status in
            status.pending = pending
            status.rejected = rejected
        }
    }

    func makeId() -> String {
        if let injectedMakeId { return injectedMakeId() }
        return RandomUUID.make(using: &random)
    }

    func jitteredDelay(afterAttempt attempt: Int, retryAfter: Double?) -> Double {
        policy.delay(afterAttempt: attempt, retryAfter: retryAfter, using: &random)
    }
}
