import SyncEngine
import SyncModel

/// The storage port (DESIGN §2; STYLE rule 2): every adapter — in-memory, SQLite, PostgreSQL — provides
/// these operations with the same guarantees, checked by one conformance suite (`SyncTesting`).
///
/// Guarantees:
/// - `applyPush` runs in one transaction: the records written, the outcomes, the rejections and the
///   device's last applied sequence commit together or not at all. It returns only after the commit.
/// - Versions grow in commit order: a reader never sees version `v` committed while a smaller version is
///   still to commit, so a pull that reached `v` never misses anything below it.
/// - `pull` reads one consistent snapshot.
/// Admin accounts sit behind their own small port, `AdminDirectory`, which every store also provides.
package protocol SyncStore: AdminDirectory {
    /// Creates or migrates the schema.
    func migrate() async throws

    /// Runs a push: reads the snapshot for `load`, calls `planner` with it (pure, synchronous), writes the
    /// plan, commits, and returns the plan.
    func applyPush(_ load: PushLoad, planner: @escaping @Sendable (PushSnapshot) -> PushPlan) async throws -> PushPlan

    /// Reads one page of the change log for a device.
    func pull(_ query: PullQuery) async throws -> PullPage

    /// Writes records as an admin or the seeder does (no merge, no sequence); assigns each a new version.
    /// Returns the head version after the write.
    @discardableResult
    func importRecords(_ records: [SyncRecord]) async throws -> Int64

    /// The current state of one record.
    func record(_ key: RecordKey) async throws -> SyncRecord?

    /// How many live (not deleted) records a collection holds.
    func count(_ collection: CollectionName) async throws -> Int

    /// The newest version.
    func headVersion() async throws -> Int64

    /// Registers a device. Throws `duplicateDevice` if the id is taken, `unknownHelper` if the helper
    /// does not exist.
    func insertDevice(_ device: DeviceRecord) async throws

    /// Looks a device up by id.
    func device(id: String) async throws -> DeviceRecord?

    /// Appends sync-log lines.
    func appendSyncLog(_ entries: [SyncLogEntry]) async throws

    /// Every device with its sync state, for admins.
    func deviceStates() async throws -> [DeviceSyncState]

    /// Rejected mutations kept for admins, newest first: those of `deviceIds` (a region's devices), or of
    /// every device when nil.
    func rejections(deviceIds: Set<String>?, limit: Int) async throws -> [RejectedMutation]

    /// Helpers with their household counts, ordered by id.
    func helpers(limit: Int, offset: Int) async throws -> (helpers: [HelperSummary], total: Int)

    /// Conflicts matching `query`, newest first.
    func conflicts(_ query: ConflictQuery) async throws -> [Conflict]

    /// One conflict by id.
    func conflict(id: String) async throws -> Conflict?

    /// Resolves a conflict in one transaction: loads it, its record and the other open conflicts on that
    /// record, calls `resolve` with them and the version a written record gets, and writes what it returns
    /// (the record, and every conflict it settled, the asked-for one first). Throws `conflictNotFound`, or
    /// what `resolve` throws.
    func resolveConflict(
        id: String,
        _ resolve: @escaping @Sendable (Conflict, SyncRecord, [Conflict], Int64) throws -> (SyncRecord?, [Conflict])
    ) async throws -> [Conflict]

    /// Forgets, in one transaction, every record that `purgeable` (a pure rule of the core) accepts among
    /// the tombstones and the live records of `collections`, and raises the compaction horizon to the
    /// highest version forgotten (protocol/scopes.md §7).
    func compact(collections: Set<CollectionName>, _ purgeable: @escaping @Sendable (SyncRecord) -> Bool) async throws
        -> CompactionReport

    /// Changes one record as an admin, in one transaction: `change` gets the current state and the new
    /// version and returns the state to write. Throws `recordNotFound`, or what `change` throws.
    func updateRecord(
        _ key: RecordKey, _ change: @escaping @Sendable (SyncRecord, Int64) throws -> SyncRecord
    ) async throws -> SyncRecord
}
