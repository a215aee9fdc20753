import Foundation
import GRDB
import SyncEngine
import SyncModel
import SyncStore

/// Refused writes kept for admins, and marking them handled.
extension SQLiteSyncStore {
    package func rejection(id: Int64) async throws -> RejectedMutation? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM rejections WHERE id = ?", arguments: [id]).map(Self.rejection(from:))
        }
    }

    package func resolveRejection(id: Int64) async throws -> RejectedMutation? {
        try await pool.write { db in
            try db.execute(sql: "UPDATE rejections SET resolved = 1 WHERE id = ?", arguments: [id])
            return try Row.fetchOne(db, sql: "SELECT * FROM rejections WHERE id = ?", arguments: [id]).map(Self.rejection(from:))
        }
    }

    static func rejection(from row: Row) throws -> RejectedMutation {
        let mutation: Data = row["mutation"]
        return RejectedMutation(
            deviceId: row["device_id"], seq: row["seq"], code: ErrorCode(row["code"] as String), field: row["field"],
            message: row["message"], mutation: try RecordCodec.decode(mutation), at: row["at"], id: row["id"],
            resolved: row["resolved"])
    }
}
