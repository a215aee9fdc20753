import Foundation
import NIOCore
import PostgresNIO
import SyncEngine
import SyncModel
import SyncStore

// In-place rewrites (the background re-encryption): one transaction per batch, rows locked in id order (the
// order every writer locks in, so no deadlock); revision and position stay as they were, so nothing is
// sequenced again and no device pulls the rewrite.
extension PostgresSyncStore {
    package func rewriteRecords(_ collection: CollectionName, after: String?, limit: Int,
                                _ rewrite: @escaping @Sendable (SyncRecord) throws -> SyncRecord?) async throws -> RewritePass {
        try await retryingRaces {
            try await self.transaction { connection in
                let rows = try await self.rows("""
                    SELECT * FROM records WHERE collection = \(collection.rawValue) AND id > \(after ?? "")
                    ORDER BY id LIMIT \(limit) FOR UPDATE
                    """, on: connection)
                var rewritten = 0
                var last: String?
                for row in rows {
                    let record = try Self.decodeRecord(row)
                    last = record.id
                    guard let changed = try rewrite(record) else { continue }
                    try await connection.query("""
                        UPDATE records SET fields = \(ByteBuffer(data: RecordCodec.encodeFields(changed.fields)))
                        WHERE collection = \(collection.rawValue) AND id = \(record.id)
                        """, logger: self.logger)
                    rewritten += 1
                }
                return RewritePass(last: last, rewritten: rewritten)
            }
        }
    }

    package func rewriteConflicts(after: String?, limit: Int,
                                  _ rewrite: @escaping @Sendable (Conflict) throws -> Conflict?) async throws -> RewritePass {
        try await retryingRaces {
            try await self.transaction { connection in
                let rows = try await self.rows("""
                    SELECT id, body FROM conflicts WHERE id > \(after ?? "") ORDER BY id LIMIT \(limit) FOR UPDATE
                    """, on: connection)
                var rewritten = 0
                var last: String?
                for row in rows {
                    let id = try row["id"].decode(String.self)
                    last = id
                    let original = try RecordCodec.decodeConflict(row["body"].decode(Data.self))
                    guard var changed = try rewrite(original) else { continue }
                    (changed.id, changed.status) = (id, original.status)
                    try await connection.query("""
                        UPDATE conflicts SET body = \(try RecordCodec.encodeConflict(changed)) WHERE id = \(id)
                        """, logger: self.logger)
                    rewritten += 1
                }
                return RewritePass(last: last, rewritten: rewritten)
            }
        }
    }
}
