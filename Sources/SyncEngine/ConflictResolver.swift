import FieldDomain
import SyncModel

/// Settles a conflict from the review queue, and deletes records, as pure functions of the stored state
/// (DESIGN §3.7; protocol/conflicts.md "Review").
///
/// A resolution is an ordinary new version of the record: the chosen value is written with a fresh admin
/// stamp, newer than both sides, so it reaches every device holding the record by pull, and the record's
/// "待核实" marker for the conflict goes away.
public struct ConflictResolver: Sendable {
    /// What an admin asks for.
    public struct Request: Sendable, Hashable {
        public var choice: Conflict.Side
        /// The value to write, required exactly when `choice` is `.value`.
        public var value: JSONValue?
        public var reason: String
        public var resolvedBy: String?

        public init(choice: Conflict.Side, value: JSONValue?, reason: String, resolvedBy: String?) {
            self.choice = choice
            self.value = value
            self.reason = reason
            self.resolvedBy = resolvedBy
        }
    }

    /// Why a resolution was refused.
    public struct Refusal: Error, Sendable, Hashable {
        public var code: ErrorCode
        public var field: String?
        public var message: String
    }

    /// The node id of admin stamps.
    public static let adminNode = "admin"
    public static let maxReasonLength = 500
    public static let maxResolverLength = 64

    public let serverNow: Int64

    public init(serverNow: Int64) { self.serverNow = serverNow }

    /// Resolves `conflict` on `record`. Returns the record to write at its next version (nil when the record
    /// does not change: a deleted record kept deleted) and the resolved conflicts, `conflict` first.
    ///
    /// Choosing a side settles, with that side, every other open hard conflict that the same mutation opened
    /// on the record (`others` are the record's other open conflicts): the fields of one edit belong
    /// together, and settling them one at a time could be impossible (status and monitoring category must
    /// agree after every write). An entered value settles only `conflict`.
    public func resolve(_ conflict: Conflict, record: SyncRecord, request: Request,
                        others: [Conflict] = []) throws(Refusal) -> (record: SyncRecord?, conflicts: [Conflict])
    {
        let newVersion = record.version + 1
        guard conflict.status == .open else {
            throw Refusal(code: .conflictNotOpen, field: nil, message: conflict.status == .logged
                ? "提示性冲突已自动合并，无需处理 (soft conflicts are informational)"
                : "冲突已处理 (conflict already resolved)")
        }
        let reason = request.reason.trimmingWhitespace
        guard !reason.isEmpty, reason.count <= Self.maxReasonLength else {
            throw invalid("reason", "请填写处理理由（不超过\(Self.maxReasonLength)字）(a reason of 1–\(Self.maxReasonLength) characters is required)")
        }
        if let by = request.resolvedBy, by.count > Self.maxResolverLength {
            throw invalid("resolvedBy", "处理人不超过\(Self.maxResolverLength)字 (resolvedBy is too long)")
        }
        if (request.choice == .value) != (request.value != nil) {
            throw invalid("value", request.choice == .value
                ? "选择录入新值时必须给出 value (choice \"value\" needs a value)"
                : "只有选择录入新值时才能给出 value (value is only allowed with choice \"value\")")
        }
        var updated: SyncRecord?
        switch conflict.kind {
        case .soft:
            throw Refusal(code: .conflictNotOpen, field: nil, message: "提示性冲突无需处理 (soft conflicts are informational)")
        case .deleted:
            guard request.choice != .value else {
                throw invalid("choice", "已删除记录的冲突只能选择 existing（保持删除）或 incoming（恢复）(choose existing or incoming)")
            }
            if request.choice == .incoming && record.deleted {
                updated = try restore(record, fields: conflict.incoming.value.objectValue ?? [:], newVersion: newVersion)
            }
            var resolved = conflict
            resolved.status = .resolved
            resolved.resolution = Conflict.Resolution(
                choice: request.choice, value: request.choice == .existing ? .null : conflict.incoming.value,
                reason: reason, resolvedBy: request.resolvedBy, resolvedAt: serverNow,
                version: updated?.version ?? record.version)
            return (updated, [resolved])
        case .hard:
            guard let field = conflict.field else { throw invalid("field", "冲突缺少字段 (conflict names no field)") }
            var group = [conflict]
            if request.choice != .value {
                group += others.filter { other in
                    other.kind == .hard && other.status == .open && other.field != nil
                        && other.incoming.deviceId == conflict.incoming.deviceId && other.incoming.seq == conflict.incoming.seq
                }
            }
            var values: [String: JSONValue] = [:]
            for member in group {
                switch request.choice {
                case .existing: values[member.field!] = member.existing.value
                case .incoming: values[member.field!] = member.incoming.value
                case .value: values[member.field!] = request.value ?? .null
                }
            }
            // A household that is no longer monitored has no monitoring category: settling status to another
            // value clears it, or no resolution of a status conflict could ever satisfy the record rule.
            if conflict.collection == .households, let status = values["status"], status != "monitored",
                values["monitoringCategory"] == nil, !(record.fields["monitoringCategory"] ?? .null).isNull
            {
                values["monitoringCategory"] = .null
            }
            if request.choice == .value {
                let schema = Domain.schema(for: conflict.collection)
                if let violation = schema.validateAdmin(op: .set, fields: values) {
                    throw Refusal(code: violation.code, field: violation.field, message: violation.message)
                }
            }
            let ids = Set(group.map(\.id))
            if record.deleted {
                // A record deleted since the conflict opened stays deleted; the tombstone drops the markers.
                var tombstone = record
                tombstone.materializeFieldVersions()
                tombstone.openConflicts.removeAll { ids.contains($0.id) }
                tombstone.version = newVersion
                updated = tombstone
            } else {
                updated = try write(values, to: record, newVersion: newVersion, closing: ids)
            }
            let version = updated?.version ?? record.version
            return (updated, group.map { member in
                var settled = member
                settled.status = .resolved
                settled.resolution = Conflict.Resolution(
                    choice: request.choice, value: values[member.field!] ?? .null, reason: reason,
                    resolvedBy: request.resolvedBy, resolvedAt: serverNow, version: version)
                return settled
            })
        }
    }

    /// Deletes `record` as an admin: a tombstone at its next version, which pull delivers as `deleted`.
    public func delete(_ record: SyncRecord) throws(Refusal) -> SyncRecord {
        let newVersion = record.version + 1
        guard record.collection == .households || record.collection == .members else {
            throw Refusal(code: .operationNotAllowed, field: "collection",
                          message: "只能删除贫困户和家庭成员 (only households and members can be deleted)")
        }
        guard !record.deleted else {
            throw Refusal(code: .recordDeleted, field: "recordId", message: "记录已删除 (record was deleted)")
        }
        var tombstone = record
        tombstone.materializeFieldVersions()
        tombstone.deleted = true
        tombstone.version = newVersion
        tombstone.stamps[Conflict.deletedMarkerField] = stamp(after: Array(record.stamps.values))
        return tombstone
    }

    /// An admin stamp newer than every stamp in `stamps` and not behind the server clock.
    public func stamp(after stamps: [HLCTimestamp]) -> HLCTimestamp {
        let newest = stamps.max()
        guard let newest, newest.physical >= serverNow else {
            return HLCTimestamp(physical: serverNow, logical: 0, node: Self.adminNode)
        }
        return HLCTimestamp(physical: newest.physical, logical: newest.logical + 1, node: Self.adminNode)
    }

    private func write(_ fields: [String: JSONValue], to record: SyncRecord, newVersion: Int64, closing ids: Set<String>)
        throws(Refusal) -> SyncRecord
    {
        var updated = record
        updated.materializeFieldVersions()
        let stamp = stamp(after: Array(record.stamps.values))
        for (name, value) in fields {
            updated.fields[name] = value
            updated.stamps[name] = stamp
            updated.fieldVersions[name] = newVersion
        }
        updated.openConflicts.removeAll { ids.contains($0.id) }
        updated.version = newVersion
        if let violation = Domain.schema(for: record.collection).validateRecord(updated.fields) {
            throw Refusal(code: violation.code, field: violation.field, message: violation.message)
        }
        return updated
    }

    private func restore(_ record: SyncRecord, fields: [String: JSONValue], newVersion: Int64) throws(Refusal)
        -> SyncRecord
    {
        var restored = try write(fields, to: record, newVersion: newVersion, closing: [])
        restored.deleted = false
        restored.stamps[Conflict.deletedMarkerField] = nil
        return restored
    }

    private func invalid(_ field: String, _ message: String) -> Refusal {
        Refusal(code: .invalidResolution, field: field, message: message)
    }
}

extension String {
    var trimmingWhitespace: String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
