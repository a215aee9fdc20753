import SyncEngine
import SyncModel

extension AdminViews {
    /// `GET /admin/v1/records/{collection}/{id}/history` (protocol/audit.md §6).
    struct RecordHistory: Encodable {
        var collection: String
        var recordId: String
        var entries: [HistoryEntry]
    }

    /// One audit entry about the record: who, from which device, when, what, and the fields written, with
    /// personal ones as their keyed hash (`hmac:…`), never the value.
    struct HistoryEntry: Encodable {
        var seq: Int64
        var hash: String
        var at: String
        var action: String
        var actor: String
        var deviceId: String?
        var op: String?
        var version: Int64?
        var fields: [String: JSONValue]
        var detail: [String: JSONValue]?

        init(_ record: AuditRecord) throws {
            let entry = try record.entry()
            seq = record.seq
            hash = record.hash
            at = AdminViews.time(entry.at)
            action = entry.action.rawValue
            actor = entry.actor
            deviceId = entry.deviceId
            op = entry.op
            version = entry.revision
            fields = entry.fields
            detail = entry.detail.isEmpty ? nil : entry.detail
        }
    }
}
