import FieldDomain
import SyncModel

extension AuditEntry {
    /// The entry for a record written from `before` (nil: created) to `after` (its new version set): the
    /// fields whose value changed, with their new values (`null` when removed), personal ones hashed. A
    /// tombstone records the delete and no field values.
    package static func recordWrite(
        _ action: Action, before: SyncRecord?, after: SyncRecord, actor: String, deviceId: String? = nil, at: Int64,
        op: String? = nil, detail: [String: JSONValue] = [:], redactor: AuditRedactor
    ) -> AuditEntry {
        let deleted = after.deleted && before?.deleted != true
        return AuditEntry(action: action, at: at, actor: actor, deviceId: deviceId,
                          collection: after.collection.rawValue, recordId: after.id,
                          op: op ?? (deleted ? MutationOp.delete.rawValue
                                     : before == nil || before?.deleted == true ? MutationOp.create.rawValue
                                     : MutationOp.set.rawValue),
                          revision: after.version,
                          fields: deleted ? [:] : redactor.redact(changedFields(from: before, to: after), in: after.collection),
                          detail: detail)
    }

    /// The fields of `after` whose value differs from `before` (all of them for a new record or one
    /// brought back), and `null` for fields `after` no longer has.
    static func changedFields(from before: SyncRecord?, to after: SyncRecord) -> [String: JSONValue] {
        guard let before, !before.deleted else { return after.fields }
        var changed: [String: JSONValue] = [:]
        for (name, value) in after.fields where before.fields[name] != value { changed[name] = value }
        for name in before.fields.keys where after.fields[name] == nil { changed[name] = .null }
        return changed
    }
}
