import FieldDomain
import SyncModel

/// The rules for one device mutation: who may write what, validation, and the merge (DESIGN §3.7–3.8).
///
/// Checks run in the order protocol/README.md §7 states, so a mutation wrong in several ways always gets
/// the same code: collection, operation, existence, scope, then field rules.
public struct MutationApplier: Sendable {
    /// What applying a mutation comes to.
    public enum Outcome: Sendable, Hashable {
        /// Refused; nothing changes.
        case rejected(code: ErrorCode, field: String?, message: String)
        /// Accepted, but every field lost to a newer write: the record stays at `version`.
        case unchanged(version: Int64)
        /// The record's new state (its version is assigned by the planner).
        case write(SyncRecord)
    }

    public let context: PushContext

    public init(context: PushContext) { self.context = context }

    /// Applies `mutation`, whose stamp the planner has already clamped to `stamp`, to the current
    /// `records`, for a device whose helper may write `scope`.
    public func apply(_ mutation: Mutation, stamp: HLCTimestamp, records: [RecordKey: SyncRecord],
                      scope: DeviceScope) -> Outcome {
        guard let collection = CollectionName(rawValue: mutation.collection) else {
            return .rejected(code: .unknownCollection, field: "collection", message: "未知的数据集 (unknown collection)")
        }
        if collection.isServerOwned {
            return .rejected(code: .forbidden, field: "collection",
                             message: "该数据由管理员维护，设备不能修改 (server-owned collection)")
        }
        switch (collection, mutation.op) {
        case (_, .delete):
            return .rejected(code: .forbidden, field: "op", message: "删除只能由管理员操作 (deletes are admin actions)")
        case (.households, .create):
            return .rejected(code: .operationNotAllowed, field: "op",
                             message: "贫困户由管理员登记，设备只能更新 (households are registered by admins)")
        case (.visits, .set):
            return .rejected(code: .visitImmutable, field: "op",
                             message: "走访记录不可修改，请提交更正记录 (visits are append-only; send an amendment)")
        default:
            break
        }
        guard mutation.stamp.node == context.deviceId else {
            return .rejected(code: .invalidStamp, field: "stamp",
                             message: "时间戳的节点必须是本设备 (stamp node must be the pushing device)")
        }
        let schema = Domain.schema(for: collection)
        let existing = records[RecordKey(collection, mutation.recordId)]
        if mutation.op == .set {
            return set(mutation, existing: existing, stamp: stamp, schema: schema, scope: scope)
        }
        if existing != nil {
            return .rejected(code: .recordExists, field: "recordId", message: "记录已存在 (record exists)")
        }
        return create(collection: collection, mutation: mutation, stamp: stamp, schema: schema, records: records,
                      scope: scope)
    }

    private func set(_ mutation: Mutation, existing: SyncRecord?, stamp: HLCTimestamp, schema: CollectionSchema,
                     scope: DeviceScope) -> Outcome {
        guard let existing else {
            return .rejected(code: .recordNotFound, field: "recordId", message: "记录不存在 (record not found)")
        }
        if existing.deleted {
            return .rejected(code: .recordDeleted, field: "recordId", message: "记录已删除 (record was deleted)")
        }
        guard let household = existing.scope.householdId, scope.households.contains(household) else {
            return outOfScope("recordId")
        }
        if let violation = schema.validate(op: .set, fields: mutation.fields) { return rejected(violation) }
        let merged = FieldMerger(schema: schema).merge(
            fields: existing.fields, stamps: existing.stamps, incoming: mutation.fields, stamp: stamp)
        if merged.changedFields.isEmpty { return .unchanged(version: existing.version) }
        if let violation = schema.validateRecord(merged.fields) { return rejected(violation) }
        var record = existing
        record.fields = merged.fields
        record.stamps = merged.stamps
        return .write(record)
    }

    private func create(collection: CollectionName, mutation: Mutation, stamp: HLCTimestamp, schema: CollectionSchema,
                        records: [RecordKey: SyncRecord], scope deviceScope: DeviceScope) -> Outcome {
        var fields = mutation.fields
        var household: SyncRecord?
        if let householdId = fields["householdId"]?.stringValue {
            guard deviceScope.households.contains(householdId) else { return outOfScope("householdId") }
            guard let found = records[RecordKey(.households, householdId)], !found.deleted else {
                return .rejected(code: .recordNotFound, field: "householdId", message: "户不存在 (household not found)")
            }
            household = found
        }
        if collection == .visits {
            if let household {
                let village = household.scope.villageCode
                if let sent = fields["villageCode"]?.stringValue, sent != village { return outOfScope("villageCode") }
            } else if let village = fields["villageCode"]?.stringValue, !deviceScope.villages.contains(village) {
                // A village or project visit must lie in a village where the helper has households.
                return outOfScope("villageCode")
            }
        }
        if let violation = schema.validate(op: .create, fields: fields) { return rejected(violation) }
        if collection == .visits {
            if let amends = fields["amends"]?.stringValue {
                guard let original = records[RecordKey(.visits, amends)], !original.deleted else {
                    return .rejected(code: .recordNotFound, field: "amends",
                                     message: "被更正的走访记录不存在 (amended visit not found)")
                }
                guard original.scope.helperId == context.helperId else { return outOfScope("amends") }
            }
            if let village = household?.scope.villageCode { fields["villageCode"] = .string(village) }
            // Evidence carries who recorded it ("谁检查、谁签字、谁负责"): the server sets these, not the device.
            fields["helperId"] = .string(context.helperId)
            fields["deviceId"] = .string(context.deviceId)
        }
        if let violation = schema.validateRecord(fields) { return rejected(violation) }
        var recordScope = schema.scope(recordId: mutation.recordId, fields: fields)
        if recordScope.villageCode == nil { recordScope.villageCode = household?.scope.villageCode }
        if collection == .visits { recordScope.helperId = context.helperId }
        let stamps = Dictionary(uniqueKeysWithValues: fields.keys.map { ($0, stamp) })
        return .write(SyncRecord(collection: collection, id: mutation.recordId, fields: fields, stamps: stamps,
                                 scope: recordScope))
    }

    private func rejected(_ violation: FieldViolation) -> Outcome {
        .rejected(code: violation.code, field: violation.field, message: violation.message)
    }

    private func outOfScope(_ field: String) -> Outcome {
        .rejected(code: .outOfScope, field: field, message: "不在您的帮扶范围内 (outside this device's scope)")
    }
}
