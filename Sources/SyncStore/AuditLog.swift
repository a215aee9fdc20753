import SyncEngine
import SyncModel

/// The audit log as storage (protocol/audit.md): a small port of its own beside the sync port (STYLE rule
/// 2), provided by every store. Entries arrive built and with personal values hashed; the store only gives
/// them their place in the hash chain (`AuditChain`) and keeps them. It knows no domain rule.
///
/// Guarantees, checked by the conformance suite:
/// - Entries handed to a write (`PushPlan.audit`, and the `audit` arguments of the admin, device-registry
///   and compaction writes) commit in the same transaction as the write, or not at all.
/// - Chained entries are numbered 1, 2, 3… without gaps, in the order they were chained, each linked to the
///   one before. SQLite and memory chain inside the write transaction; PostgreSQL stores them unchained and
///   chains them in its serial sequencer tick, so several nodes write without waiting on a chain head.
///   Reads see chained entries only.
package protocol AuditLog: Sendable {
    /// Appends entries in a transaction of their own, chained like any other (on PostgreSQL, before this
    /// returns unless the database is failing). Only for an event that writes nothing else: an action that
    /// writes (a push, an admin change, enrolment, revocation, admin accounts, compaction) hands its entries
    /// to that write instead, so that a crash between the two cannot lose them.
    func appendAudit(_ entries: [AuditEntry]) async throws

    /// The head row: the newest chained entry's number and hash (`AuditHead.empty` before the first).
    func auditHead() async throws -> AuditHead

    /// Chained entries with `seq > after`, ascending, at most `limit`.
    func auditRecords(after seq: Int64, limit: Int) async throws -> [AuditRecord]

    /// The chained entries about one record, ascending, at most `limit` (the oldest first).
    func auditRecords(of key: RecordKey, limit: Int) async throws -> [AuditRecord]
}
