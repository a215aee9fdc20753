import Foundation
import GRDB
import SyncEngine
import SyncModel
import SyncStore

// In-place rewrites (the background re-encryption): one write transaction per batch, so no push interleaves;
// revision, position and the change log stay as they were.
extension SQLiteSyncStore {
    package func rewriteRecords(_ collection: CollectionName, after: String?, limit: Int,
                                _ rewrite: @escaping @Sendable (SyncRecord) throws -> SyncRecord?) async throws -> RewritePass {
        try await pool.write { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT * FROM records WHERE collection = ? AND id > ? ORDER BY id LIMIT ?
                """, arguments: [collection.rawValue, after ?? "", limit])
            var rewritten = 0
            for row in rows {
                guard let changed = try rewrite(try Self.decodeRecord(row)) else { continue }
                try db.execute(sql: "UPDATE records SET fields = ? WHERE collection = ? AND id = ?",
                               arguments: [RecordCodec.encodeFields(changed.fields), collection.rawValue, changed.id])
                rewritten += 1
            }
            return RewritePass(last: rows.last.map { $0["id"] as String }, rewritten: rewritten)
        }
    }

    package func rewriteConflicts(after: String?, limit: Int,
                                  _ rewrite: @escaping @Sendable (Conflict) throws -> Conflict?) async throws -> RewritePass {
        try await pool.write { db in
            let rows = try Row.fetchAll(db, sql: "SELECT id, body FROM conflicts WHERE id > ? ORDER BY id LIMIT ?",
                                        arguments: [after ?? "", limit])
            var rewritten = 0
            for row in rows {
                let id: String = row["id"]
                let original = try RecordCodec.decodeConflict(row["body"])
                guard var changed = try rewrite(original) else { continue }
                (changed.id, changed.status) = (id, original.status)
                try db.execute(sql: "UPDATE conflicts SET body = ? WHERE id = ?",
                               arguments: [try RecordCodec.encodeConflict(changed), id])
                rewritten += 1
            }
            return RewritePass(last: rows.last.map { $0["id"] as String }, rewritten: rewritten)
        }
    }
}
