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
        /// Accepted without changing the record, which stays at `version`: every field lost to a newer
        /// write, or the record is deleted and the edit waits in a `deleted` conflict.
        case unchanged(version: Int64, conflicts: [Conflict])
        /// The record's new state at its next version (1 for a new record), and the conflicts the merge
        /// opened or logged.
        case write(SyncRecord, conflicts: [Conflict])
    }

    public let context: PushContext

    public init(context: PushContext) { self.context = context }

    /// Applies `mutation`, whose stamp the planner has already clamped to `stamp`, to the current
    /// `records`, for a device whose helper may write `scope`. A record written gets its next version.
    public func apply(_ mutation: Mutation, stamp: HLCTimestamp, records: [RecordKey: SyncRecord],
                      scope: Scope) -> Outcome {
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

    private func set(_ mutation: Mutation, existing stored: SyncRecord?, stamp: HLCTimestamp, schema: CollectionSchema,
                     scope: Scope) -> Outcome {
        guard var existing = stored else {
            return .rejected(code: .recordNotFound, field: "recordId", message: "记录不存在 (record not found)")
        }
        guard let household = existing.scope.householdId else { return outOfScope("recordId") }
        if let refusal = checkWrite(household: household, village: existing.scope.villageCode, stamp: stamp,
                                    scope: scope, field: "recordId") {
            return refusal
        }
        if let violation = schema.validate(op: .set, fields: mutation.fields) { return rejected(violation) }
        if existing.deleted {
            // An admin deleted the record: the edit is kept for review, never a resurrection.
            return .unchanged(version: existing.version, conflicts: [deletedConflict(mutation, record: existing, stamp: stamp)])
        }
        existing.materializeFieldVersions()
        // Without a base the server cannot tell concurrent from sequential: the write merges by stamp alone
        // (protocol/conflicts.md §2). The client module always sends one.
        let write = FieldMerger.Write(fields: mutation.fields, stamp: stamp,
                                      baseVersion: mutation.baseVersion ?? existing.version,
                                      deviceId: context.deviceId, newVersion: existing.version + 1)
        let merger = FieldMerger(schema: schema)
        var merged = merger.merge(write, into: existing)
        var violation = schema.validateRecord(merged.fields)
        if violation != nil && !merged.hardConflicts.isEmpty {
            // The later values of the fields in conflict break a record rule next to an uncontested write
            // (e.g. one helper's "notLifted" next to the category another set with "monitored"): hold the
            // earlier values instead, or failing that the stored ones, rather than refuse the write. Both
            // sides are in the conflict, so nothing is lost (protocol/conflicts.md §2.2).
            for hold in [FieldMerger.Hold.earlier, .existing] {
                let held = merger.merge(write, into: existing, holding: hold)
                if schema.validateRecord(held.fields) == nil {
                    merged = held
                    violation = nil
                    break
                }
            }
        }
        var conflicts = merged.hardConflicts.map { hardConflict($0, mutation: mutation, record: existing, write: write) }
        // Other fields of the record that changed since the device's base, written by someone else.
        let others = existing.fields.keys.filter { mutation.fields[$0] == nil && FieldMerger.isConcurrent($0, in: existing, with: write) }
        let softFields = Set(merged.concurrentFields + others).sorted()
        if !softFields.isEmpty {
            conflicts.append(softConflict(mutation, record: existing, write: write, fields: softFields))
        }
        if merged.changedFields.isEmpty && merged.hardConflicts.isEmpty {
            for index in conflicts.indices { conflicts[index].openedVersion = existing.version }
            return .unchanged(version: existing.version, conflicts: conflicts)
        }
        if let violation { return rejected(violation) }
        var record = existing
        record.version = write.newVersion
        record.fields = merged.fields
        record.stamps = merged.stamps
        record.fieldVersions = merged.fieldVersions
        if !merged.hardConflicts.isEmpty {
            let markers = conflicts.filter { $0.kind == Conflict.Kind.hard }.map { conflict in
                ConflictMarker(id: conflict.id, field: conflict.field ?? "")
            }
            record.openConflicts = (record.openConflicts + markers).sorted()
        }
        return .write(record, conflicts: conflicts)
    }

    private func hardConflict(_ conflict: FieldMerger.FieldConflict, mutation: Mutation, record: SyncRecord,
                              write: FieldMerger.Write) -> Conflict {
        Conflict(
            id: Conflict.makeId(deviceId: context.deviceId, seq: mutation.seq, field: conflict.field),
            kind: .hard, status: .open, collection: record.collection, recordId: record.id,
            field: conflict.field, fields: [conflict.field],
            householdId: record.scope.householdId, villageCode: record.scope.villageCode,
            baseVersion: write.baseVersion,
            existing: Conflict.Write(deviceId: conflict.existingStamp?.node ?? "", value: conflict.existingValue,
                                     stamp: conflict.existingStamp, version: conflict.existingVersion),
            incoming: Conflict.Write(deviceId: context.deviceId, seq: mutation.seq, value: conflict.incomingValue,
                                     stamp: write.stamp),
            provisional: conflict.provisional, openedAt: context.serverNow, openedVersion: write.newVersion)
    }

    private func softConflict(_ mutation: Mutation, record: SyncRecord, write: FieldMerger.Write,
                              fields: [String]) -> Conflict {
        var existingValues: [String: JSONValue] = [:]
        var writers = Set<String>()
        for field in fields where FieldMerger.isConcurrent(field, in: record, with: write) {
            existingValues[field] = record.fields[field] ?? .null
            if let node = record.stamps[field]?.node { writers.insert(node) }
        }
        return Conflict(
            id: Conflict.makeId(deviceId: context.deviceId, seq: mutation.seq, field: nil),
            kind: .soft, status: .logged, collection: record.collection, recordId: record.id, field: nil,
            fields: fields, householdId: record.scope.householdId, villageCode: record.scope.villageCode,
            baseVersion: write.baseVersion,
            existing: Conflict.Write(deviceId: writers.sorted().joined(separator: ","), value: .object(existingValues),
                                     version: record.version),
            incoming: Conflict.Write(deviceId: context.deviceId, seq: mutation.seq, value: .object(mutation.fields),
                                     stamp: write.stamp),
            provisional: nil, openedAt: context.serverNow, openedVersion: write.newVersion)
    }

    private func deletedConflict(_ mutation: Mutation, record: SyncRecord, stamp: HLCTimestamp) -> Conflict {
        Conflict(
            id: Conflict.makeId(deviceId: context.deviceId, seq: mutation.seq, field: nil),
            kind: .deleted, status: .open, collection: record.collection, recordId: record.id, field: nil,
            fields: mutation.fields.keys.sorted(), householdId: record.scope.householdId,
            villageCode: record.scope.villageCode, baseVersion: mutation.baseVersion ?? record.version,
            existing: Conflict.Write(deviceId: record.stamps[Conflict.deletedMarkerField]?.node ?? "admin", value: .null, version: record.version),
            incoming: Conflict.Write(deviceId: context.deviceId, seq: mutation.seq, value: .object(mutation.fields),
                                     stamp: stamp),
            provisional: .existing, openedAt: context.serverNow, openedVersion: record.version)
    }

    private func create(collection: CollectionName, mutation: Mutation, stamp: HLCTimestamp, schema: CollectionSchema,
                        records: [RecordKey: SyncRecord], scope deviceScope: Scope) -> Outcome {
        var fields = mutation.fields
        var household: SyncRecord?
        if let householdId = fields["householdId"]?.stringValue {
            let found = records[RecordKey(.households, householdId)]
            if let refusal = checkWrite(household: householdId, village: found?.scope.villageCode, stamp: stamp,
                                        scope: deviceScope, field: "householdId") {
                return refusal
            }
            guard let found, !found.deleted else {
                return .rejected(code: .recordNotFound, field: "householdId", message: "户不存在 (household not found)")
            }
            household = found
        }
        if collection == .visits {
            // A malformed village code is `invalid_region_code`, not a village outside the scope: the value is
            // checked before the scope rules compare it (protocol/README.md §6.4).
            if let sent = fields["villageCode"], let violation = schema.validateValue(of: "villageCode", sent) {
                return rejected(violation)
            }
            if let household {
                let village = household.scope.villageCode
                if let sent = fields["villageCode"]?.stringValue, sent != village { return outOfScope("villageCode") }
            } else if let village = fields["villageCode"]?.stringValue, !deviceScope.mayVisit(village: village) {
                // A village or project visit must lie in a village where the helper has households.
                return outOfScope("villageCode")
            }
        }
        if let violation = schema.validate(op: .create, fields: fields) { return rejected(violation) }
        if collection == .visits {
            if let refusal = checkSignature(mutation) { return refusal }
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
        return .write(SyncRecord(collection: collection, id: mutation.recordId, version: 1, fields: fields,
                                 stamps: stamps, scope: recordScope), conflicts: [])
    }

    /// A visit is evidence signed by the device's key (protocol/signatures.md): verified over the fields as
    /// sent, before the server adds its own. A device enrolled before keys has none; its visits stay unsigned.
    private func checkSignature(_ mutation: Mutation) -> Outcome? {
        let field = DeviceSignature.field
        guard let key = context.deviceKey else {
            guard mutation.fields[field] == nil else {
                return .rejected(code: .signatureKeyMismatch, field: field,
                                 message: "本设备未登记签名密钥 (this device registered no key)")
            }
            return nil
        }
        let outcome = context.signatureChecks.outcome(mutation.seq)
            ?? DeviceSignature.verifyVisit(deviceId: context.deviceId, recordId: mutation.recordId,
                                           fields: mutation.fields, publicKey: key)
        switch outcome {
        case nil:
            return nil
        case .missing:
            return .rejected(code: .signatureRequired, field: field, message: "走访记录须有设备签名 (visits must be signed)")
        case .wrongKey:
            return .rejected(code: .signatureKeyMismatch, field: field,
                             message: "签名密钥不是本设备的 (signed with another device's key)")
        case .malformed, .invalid:
            return .rejected(code: .signatureInvalid, field: field,
                             message: "签名校验失败，记录可能被篡改 (signature does not verify)")
        }
    }

    private func rejected(_ violation: FieldViolation) -> Outcome {
        .rejected(code: violation.code, field: violation.field, message: violation.message)
    }

    /// The scope check for a write to `household` (DESIGN §3.5; protocol/scopes.md §5): in scope, or a
    /// household that left the scope after the write was made (by its stamp), which is applied; a write made
    /// after it left is refused with `scope_revoked` and kept for admins.
    private func checkWrite(household: String, village: String?, stamp: HLCTimestamp, scope: Scope,
                            field: String) -> Outcome? {
        if scope.mayWrite(household: household, village: village) { return nil }
        guard let departure = scope.departed[household] else { return outOfScope(field) }
        if stamp.physical < departure.effectiveAt { return nil }
        return .rejected(code: .scopeRevoked, field: field,
                         message: "该户已调整给其他帮扶责任人，此记录已转交管理员处理 (household reassigned before this write)")
    }

    private func outOfScope(_ field: String) -> Outcome {
        .rejected(code: .outOfScope, field: field, message: "不在您的帮扶范围内 (outside this device's scope)")
    }
}
