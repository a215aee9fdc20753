import Foundation
import PostgresNIO
import SyncEngine
import SyncModel
import SyncStore

/// Refused writes kept for admins, and marking them handled.
extension PostgresSyncStore {
    package func rejection(id: Int64) async throws -> RejectedMutation? {
        try await withConnection { connection in
            try await rows("SELECT * FROM rejections WHERE id = \(id)", on: connection).first.map(Self.rejection(from:))
        }
    }

    package func resolveRejection(id: Int64) async throws -> RejectedMutation? {
        try await withConnection { connection in
            try await rows("UPDATE rejections SET resolved = TRUE WHERE id = \(id) RETURNING *", on: connection)
                .first.map(Self.rejection(from:))
        }
    }

    static func rejection(from row: PostgresRandomAccessRow) throws -> RejectedMutation {
        RejectedMutation(
            deviceId: try row["device_id"].decode(String.self), seq: try row["seq"].decode(Int64?.self),
            code: ErrorCode(try row["code"].decode(String.self)), field: try row["field"].decode(String?.self),
            message: try row["message"].decode(String.self),
            mutation: try RecordCodec.decode(row["mutation"].decode(Data.self)), at: try row["at"].decode(Int64.self),
            id: try row["id"].decode(Int64.self), resolved: try row["resolved"].decode(Bool.self))
    }
}
