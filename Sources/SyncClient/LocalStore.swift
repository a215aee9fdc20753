import SyncModel

/// The client's storage port: the server-confirmed records, the outbox of unsent mutations, the sync
/// bookkeeping (``LocalSyncState``) and the rejected writes.
///
/// Every method is one transaction. In particular ``enqueue(_:now:)`` (outbox append + `nextSeq` + clock),
/// ``acknowledge(upTo:results:now:)`` (rejections + outbox trim) and ``applyPullPage(_:now:)`` (records +
/// cursor + outbox trim) each commit all or nothing, so a process killed mid-sync resumes without loss or
/// duplicates. ``MemoryLocalStore`` and ``SQLiteLocalStore`` implement it.
public protocol LocalStore: Sendable {
    /// Binds the store to `deviceId` (on first use) and returns its state; throws
    /// ``LocalStoreError/deviceMismatch`` when the store already belongs to another device.
    func prepare(deviceId: String) async throws -> LocalSyncState

    /// The current bookkeeping.
    func syncState() async throws -> LocalSyncState

    /// Numbers, stamps and appends a local write to the outbox, in one transaction; a `set` carries the
    /// record's confirmed version as its `baseVersion`. Returns the mutation as it will be pushed.
    func enqueue(_ write: LocalWrite, now: Int64) async throws -> Mutation

    /// Unacknowledged outbox mutations with `seq >= fromSeq`, oldest first, at most `limit`.
    func pendingMutations(fromSeq: Int64, limit: Int) async throws -> [Mutation]

    /// How many mutations wait to be sent (acknowledged ones that await their pull are not counted).
    func pendingCount() async throws -> Int

    /// Applies a push outcome: records the rejected results (once per `seq`; replays change nothing) and
    /// drops them from the outbox, and raises the acknowledged sequence. Accepted entries stay in the outbox
    /// (no longer sent) so the view keeps showing them until a pull brings their effect. Returns how many
    /// rejections were new.
    @discardableResult
    func acknowledge(upTo lastAppliedSeq: Int64, results: [MutationResult], now: Int64) async throws -> Int

    /// Applies one pull page: upserts its records, deletes tombstones and scope removals (never outbox
    /// entries), stores its cursor, observes its stamps, and — on the page that catches up (`hasMore` false) —
    /// drops outbox entries up to its `lastAppliedSeq`.
    func applyPullPage(_ page: PullResponse, now: Int64) async throws

    /// Starts a re-bootstrap (after `resync_required`, `invalid_cursor` or a failed integrity check): the
    /// cursor goes back to the start and the pages that follow are staged; the page that catches up
    /// replaces every confirmed record with the staged ones in one transaction. The outbox is kept.
    func beginResync() async throws

    /// What the device holds, as the integrity check's digests (``IntegrityRequest/make(_:)``), read in one
    /// transaction.
    func integrityRequest() async throws -> IntegrityRequest

    /// Drops the confirmed records of `households` (their own record and every record whose `householdId`
    /// is one of them), keeping the outbox: what an integrity check says the device must purge.
    func purge(households: Set<String>) async throws

    /// The confirmed records of `collection` (only `recordId`, when given) and the outbox mutations that
    /// touch them, read in one transaction.
    func snapshot(collection: String, recordId: String?) async throws -> LocalSnapshot

    /// The rejected writes not yet dismissed, oldest first.
    func rejectedWrites() async throws -> [RejectedWrite]

    /// Hides a rejected write from ``rejectedWrites()`` (it stays recorded, so a replay cannot bring it back).
    func dismissRejectedWrite(seq: Int64) async throws

    /// Keeps the 明白卡 trust list as the server sent it (JSON of `CardTrustMessage`), replacing the one kept.
    func saveCardTrust(_ body: [UInt8]) async throws

    /// The kept trust list; nil before the first fetch.
    func savedCardTrust() async throws -> [UInt8]?

    /// Deletes everything the store holds (records, outbox, rejected writes, cursor), in one transaction:
    /// the device was revoked (protocol/security.md §4).
    func wipe() async throws
}
