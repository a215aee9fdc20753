import FieldDomain
import SyncEngine
import SyncModel
import SyncStore

/// Who sees personal data in full through the admin API (protocol/security.md §5): county admins and the
/// operator, each such read written to the audit log as `personal.read`; village and town admins see what
/// phones see, the masks.
extension SyncService {
    /// Whether `principal` reads personal data in full.
    package static func seesPersonalDataInFull(_ principal: Principal) -> Bool {
        switch principal {
        case .admin(_, .county, _), .admin(_, .operator, _): return true
        case .admin, .helper: return false
        }
    }

    /// One record for an admin of its region: personal data in full for a county admin or the operator (the
    /// read audited), masked for anyone else.
    package func adminRecord(_ key: RecordKey, by caller: Principal) async throws -> SyncRecord {
        guard var record = try await store.record(key), !record.deleted else {
            throw ServiceError(.recordNotFound, "记录不存在 (record not found)")
        }
        try requireRegion(caller, covers: record.scope.villageCode)
        let personal = Domain.schema(for: key.collection).personalFields.map(\.name)
            .filter { !(record.fields[$0]?.isNull ?? true) }
        if Self.seesPersonalDataInFull(caller) {
            try await auditPersonalRead(by: caller, collection: key.collection, recordId: key.id, fields: personal)
        } else {
            record.fields = PersonalDataMask.forPhones(record.fields, of: record.collection)
        }
        return record
    }

    /// A conflict for an admin of its region, with the field's current value, as `disclosed` shows it.
    package func conflictDetail(id: String, by caller: Principal) async throws -> (conflict: Conflict, current: JSONValue?) {
        let detail = try await conflictDetail(id: id)
        try requireRegion(caller, covers: detail.conflict.villageCode)
        return try await disclosed(detail.conflict, current: detail.current, to: caller)
    }

    /// A conflict (and a current value) as `caller` may see it: whole for a county admin or the operator, the
    /// read audited when the values hold personal data; masked for anyone else. Which values are personal is
    /// read from the values themselves (a soft conflict's sides carry every field of the edit, not only
    /// `fields`).
    package func disclosed(_ conflict: Conflict, current: JSONValue? = nil, to caller: Principal) async throws
        -> (conflict: Conflict, current: JSONValue?)
    {
        guard Self.seesPersonalDataInFull(caller) else {
            let masked = current.map { current in
                conflict.field.map { field in PersonalDataMask.forPhones(.object([field: current])).objectValue?[field] ?? current }
                    ?? PersonalDataMask.forPhones(current)
            }
            return (Self.masked(conflict), masked)
        }
        let personal = Self.personalFields(in: conflict)
        if !personal.isEmpty {
            try await auditPersonalRead(by: caller, collection: conflict.collection, recordId: conflict.recordId,
                                        fields: personal, detail: ["conflict": .string(conflict.id)])
        }
        return (conflict, current)
    }

    /// The personal fields whose values a conflict carries.
    static func personalFields(in conflict: Conflict) -> [String] {
        Array(Set(personalValues(in: conflict).map(\.field))).sorted()
    }

    private func auditPersonalRead(by caller: Principal, collection: CollectionName, recordId: String, fields: [String],
                                   detail: [String: JSONValue] = [:]) async throws {
        guard !fields.isEmpty else { return }
        var detail = detail
        detail["fields"] = .array(fields.sorted().map(JSONValue.string))
        try await store.appendAudit([AuditEntry(action: .personalRead, at: now(), actor: caller.id,
                                                collection: collection.rawValue, recordId: recordId, detail: detail)])
    }
}
