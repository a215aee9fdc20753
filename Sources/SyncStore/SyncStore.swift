import SyncEngine
import SyncModel

/// The storage port (DESIGN §2; STYLE rule 2): every adapter — in-memory, SQLite, PostgreSQL — provides
/// these operations with the same guarantees, checked by one conformance suite (`SyncTesting`).
///
/// Guarantees:
/// - `applyPush` runs in one transaction: the records written, the outcomes, the rejections and the
///   device's last applied sequence commit together or not at all. It returns only after the commit.
/// - A record's `version` (its revision) is the engine's: the store writes what the plan or the closure
///   hands it, and a record written by an admin operation gets `version + 1` of the state it replaces.
/// - Log positions are the store's: it assigns each written state a position, at or after commit, and a
///   reader never sees position `p` while a change with a smaller position can still appear, so a pull that
///   reached `p` never misses anything below it (docs/log-positions.md). `applyPush`, `importRecords`,
///   `resolveConflict` and `updateRecord` return only once their changes have positions (read your writes),
///   except that PostgreSQL stops waiting after a few seconds when the database is failing (the changes
///   then get positions later; a device keeps its acknowledged writes visible until it pulls them back).
/// - `pull` reads one consistent snapshot.
/// - Every write that carries audit entries (`PushPlan.audit`, the `audit` arguments, here and in
///   `AdminDirectory` and `DeviceRegistry`) commits them with it, in the same transaction (`AuditLog`).
/// Admin accounts, devices, the audit log and the 明白卡 ledger sit behind their own small ports,
/// `AdminDirectory`, `DeviceRegistry`, `AuditLog` and `CardLedger`, which every store also provides.
package protocol SyncStore: AdminDirectory, DeviceRegistry, AuditLog, CardLedger {
    /// Creates or migrates the schema.
    func migrate() async throws

    /// Runs a push: reads the snapshot for `load`, calls `planner` with it (pure, synchronous), writes the
    /// plan, commits, and returns the plan.
    func applyPush(_ load: PushLoad, planner: @escaping @Sendable (PushSnapshot) -> PushPlan) async throws -> PushPlan

    /// Reads one page of the change log for a device.
    func pull(_ query: PullQuery) async throws -> PullPage

    /// Writes records as an admin or the seeder does (no merge, no sequence); each gets the next version of
    /// the record it replaces (1 when new) and a new log position; `audit` is appended in the same
    /// transaction. Returns the log head after the write.
    @discardableResult
    func importRecords(_ records: [SyncRecord], audit: [AuditEntry]) async throws -> Int64

    /// The current state of one record.
    func record(_ key: RecordKey) async throws -> SyncRecord?

    /// How many live (not deleted) records a collection holds.
    func count(_ collection: CollectionName) async throws -> Int

    /// The newest log position readers can see.
    func headVersion() async throws -> Int64

    /// Registers a device, and appends `audit` in the same transaction. Throws `duplicateDevice` if the id
    /// is taken, `unknownHelper` if the helper does not exist (writing nothing).
    func insertDevice(_ device: DeviceRecord, audit: [AuditEntry]) async throws

    /// Looks a device up by id.
    func device(id: String) async throws -> DeviceRecord?

    /// Appends sync-log lines.
    func appendSyncLog(_ entries: [SyncLogEntry]) async throws

    /// Every device with its sync state, for admins.
    func deviceStates() async throws -> [DeviceSyncState]

    /// Rejected mutations kept for admins, newest first: those of `deviceIds` (a region's devices), or of
    /// every device when nil.
    func rejections(deviceIds: Set<String>?, limit: Int) async throws -> [RejectedMutation]

    /// One kept rejection by its id.
    func rejection(id: Int64) async throws -> RejectedMutation?

    /// Marks a kept rejection handled, so that it no longer counts in `rejectedOpen`; resolving one again
    /// changes nothing. Returns it as it now is, nil when no rejection has this id.
    func resolveRejection(id: Int64) async throws -> RejectedMutation?

    /// Helpers with their household counts, ordered by id.
    func helpers(limit: Int, offset: Int) async throws -> (helpers: [HelperSummary], total: Int)

    /// Conflicts matching `query`, newest first.
    func conflicts(_ query: ConflictQuery) async throws -> [Conflict]

    /// One conflict by id.
    func conflict(id: String) async throws -> Conflict?

    /// Resolves a conflict in one transaction: loads it, its record and the other open conflicts on that
    /// record, calls `resolve` with them, and writes what it returns (the record, at the next version, and
    /// every conflict it settled, the asked-for one first), with the entries `audit` builds from the record
    /// before, the record written (its version set; nil when unchanged) and the settled conflicts. Throws
    /// `conflictNotFound`, or what `resolve` throws.
    func resolveConflict(
        id: String,
        audit: @escaping @Sendable (_ before: SyncRecord, _ after: SyncRecord?, _ settled: [Conflict]) -> [AuditEntry],
        _ resolve: @escaping @Sendable (Conflict, SyncRecord, [Conflict]) throws -> (SyncRecord?, [Conflict])
    ) async throws -> [Conflict]

    /// Forgets, in one transaction, every record that `purgeable` (a pure rule of the core) accepts among
    /// the tombstones and the live records of `collections`, raises the compaction horizon to the highest
    /// log position forgotten (protocol/scopes.md §7), and appends the entries `audit` builds from the
    /// report (none when nothing was forgotten, as the service builds them).
    func compact(collections: Set<CollectionName>, audit: @escaping @Sendable (CompactionReport) -> [AuditEntry],
                 _ purgeable: @escaping @Sendable (SyncRecord) -> Bool) async throws -> CompactionReport

    /// Rewrites stored records in place, with no new version, log position, log announcement or audit entry
    /// (the background re-encryption of personal data: not a change a device pulls). In one transaction,
    /// reads up to `limit` records of `collection` whose ids sort after `after` (from the first when nil),
    /// in id order and safe from concurrent writers, and writes back the fields of each record `rewrite`
    /// returns (nil: leave it). Returns the last id read, nil when none was left.
    func rewriteRecords(_ collection: CollectionName, after: String?, limit: Int,
                        _ rewrite: @escaping @Sendable (SyncRecord) throws -> SyncRecord?) async throws -> RewritePass

    /// The same for conflicts, in conflict-id order: writes back each conflict `rewrite` returns, whose id,
    /// status and place in the queue stay as they were.
    func rewriteConflicts(after: String?, limit: Int,
                          _ rewrite: @escaping @Sendable (Conflict) throws -> Conflict?) async throws -> RewritePass

    /// Where the store announces changes that entered its log (for live pokes): every node's store
    /// announces every change, whichever node wrote it, after it has a position.
    var logAdvances: LogBroadcaster { get }

    /// Changes one record as an admin, in one transaction: `change` gets the current state and returns the
    /// state to write, which the store writes at the next version, with the entries `audit` builds from the
    /// state before and the state written (its version set). Throws `recordNotFound`, or what `change`
    /// throws.
    func updateRecord(
        _ key: RecordKey, audit: @escaping @Sendable (_ before: SyncRecord, _ after: SyncRecord) -> [AuditEntry],
        _ change: @escaping @Sendable (SyncRecord) throws -> SyncRecord
    ) async throws -> SyncRecord
}

extension SyncStore {
    /// Writes records with no audit entry: the seeder and benchmarks (synthetic data, not anyone's action).
    @discardableResult
    package func importRecords(_ records: [SyncRecord]) async throws -> Int64 {
        try await importRecords(records, audit: [])
    }

    /// Registers a device with no audit entry: test fixtures and benchmarks (synthetic devices).
    package func insertDevice(_ device: DeviceRecord) async throws {
        try await insertDevice(device, audit: [])
    }
}
