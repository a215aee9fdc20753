import Foundation
import GRDB
import SyncEngine
import SyncModel
import SyncStore

// The `AuditLog` port on SQLite. One writer, so entries are chained inside the transaction that writes
// them: the head row is read and moved on under the same write lock.
extension SQLiteSyncStore {
    package func appendAudit(_ entries: [AuditEntry]) async throws {
        guard !entries.isEmpty else { return }
        try await pool.write { db in try Self.appendAudit(entries, db: db) }
    }

    package func auditHead() async throws -> AuditHead {
        try await pool.read { db in try Self.auditHead(db) }
    }

    package func auditRecords(after seq: Int64, limit: Int) async throws -> [AuditRecord] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?",
                             arguments: [seq, limit]).map(Self.auditRecord)
        }
    }

    package func auditRecords(of key: RecordKey, limit: Int) async throws -> [AuditRecord] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM audit_log WHERE collection = ? AND record_id = ? ORDER BY seq LIMIT ?
                """, arguments: [key.collection.rawValue, key.id, limit]).map(Self.auditRecord)
        }
    }

    /// Chains `entries` after the head and inserts them, inside the caller's transaction.
    static func appendAudit(_ entries: [AuditEntry], db: Database) throws {
        guard !entries.isEmpty else { return }
        let (records, head) = AuditChain.link(entries.map(\.body), after: try auditHead(db))
        let insert = try db.cachedStatement(sql: """
            INSERT INTO audit_log (seq, prev_hash, hash, collection, record_id, body) VALUES (?, ?, ?, ?, ?, ?)
            """)
        for (entry, record) in zip(entries, records) {
            try insert.execute(arguments: [record.seq, record.prevHash, record.hash, entry.collection, entry.recordId,
                                           Data(record.body)])
        }
        try db.cachedStatement(sql: "UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1")
            .execute(arguments: [head.seq, head.hash])
    }

    static func auditHead(_ db: Database) throws -> AuditHead {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT seq, hash FROM audit_head WHERE id = 1")) else {
            return .empty
        }
        return AuditHead(seq: row["seq"], hash: row["hash"])
    }

    static func auditRecord(_ row: Row) -> AuditRecord {
        let body: Data = row["body"]
        return AuditRecord(seq: row["seq"], prevHash: row["prev_hash"], hash: row["hash"], body: Array(body))
    }
}
