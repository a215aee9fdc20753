import FieldDomain
import SyncModel

/// Merges one device write into a record, field by field, under each field's merge policy
/// (DESIGN §3.7, protocol/conflicts.md).
///
/// Every field keeps the stamp of its last write and the record version at which it changed. A write is
/// *concurrent* with a stored value when the device had not seen it (the value changed after the write's
/// base version) and another device or an admin wrote it; a device's own earlier writes are never
/// concurrent with its later ones. Then:
/// - `lastWriterWins`: the newer stamp wins; a concurrent overlap is reported as soft.
/// - `reviewed`: a concurrent write with a different value keeps the newer stamp *provisionally* and
///   reports a hard conflict holding both sides; otherwise as last-writer-wins.
/// - `elementSet` (`policies.<code>`): add wins — when a removal (`null`) and an add are concurrent, the
///   add stays whichever stamp is newer; two concurrent adds go by stamp.
/// A `null` value is kept with its stamp (a field-level tombstone) so an older write cannot bring the old
/// value back. The outcome does not depend on the order concurrent writes arrive in.
public struct FieldMerger: Sendable {
    /// A concurrent differing write to a reviewed field.
    public struct FieldConflict: Sendable, Hashable {
        public var field: String
        public var existingValue: JSONValue
        public var existingStamp: HLCTimestamp?
        public var existingVersion: Int64
        public var incomingValue: JSONValue
        /// Which side the record now holds.
        public var provisional: Conflict.Side
    }

    /// What a merge did to the record.
    public struct Outcome: Sendable, Hashable {
        /// The record after the merge.
        public var fields: [String: JSONValue]
        public var stamps: [String: HLCTimestamp]
        public var fieldVersions: [String: Int64]
        /// Fields whose value or stamp changed.
        public var changedFields: [String]
        /// Fields the write lost (an existing stamp was newer, or a concurrent add beat a removal).
        public var supersededFields: [String]
        /// Hard conflicts the write opened, in field order.
        public var hardConflicts: [FieldConflict]
        /// Fields written concurrently without a hard conflict (the write's own, merged automatically).
        public var concurrentFields: [String]
    }

    /// The write being merged.
    public struct Write: Sendable, Hashable {
        public var fields: [String: JSONValue]
        public var stamp: HLCTimestamp
        /// The record version the writer had seen (0 when it sent none).
        public var baseVersion: Int64
        /// The writer; its own earlier writes are never concurrent with this one.
        public var deviceId: String
        /// The version the record gets if the merge changes it.
        public var newVersion: Int64

        public init(fields: [String: JSONValue], stamp: HLCTimestamp, baseVersion: Int64, deviceId: String,
                    newVersion: Int64) {
            self.fields = fields
            self.stamp = stamp
            self.baseVersion = baseVersion
            self.deviceId = deviceId
            self.newVersion = newVersion
        }
    }

    public let schema: CollectionSchema

    public init(schema: CollectionSchema) { self.schema = schema }

    /// Whether `write` had not seen the stored value of `field` (see the type's description).
    public static func isConcurrent(_ field: String, in record: SyncRecord, with write: Write) -> Bool {
        // A field nobody has written yet has nothing to be concurrent with.
        guard let writer = record.stamps[field]?.node, record.fieldVersion(field) > write.baseVersion else { return false }
        return writer != write.deviceId
    }

    /// Which side a field in hard conflict holds provisionally.
    public enum Hold: Sendable, Hashable, CaseIterable {
        /// The later stamp, as last-writer-wins would: the rule, and the same in either arrival order.
        case later
        /// The earlier stamp: for when the later values break a record rule (status/monitoring category).
        /// Also independent of arrival order, because it too depends only on the two stamps.
        case earlier
        /// The stored value, whichever stamp is later: the last resort before refusing.
        case existing
    }

    /// Merges `write` into `record`; fields in hard conflict provisionally hold the side `hold` names.
    /// Fields not in hard conflict merge by their policy whatever `hold` is, so every candidate keeps every
    /// uncontested write, and a contested value not held is in its conflict.
    public func merge(_ write: Write, into record: SyncRecord, holding hold: Hold = .later) -> Outcome {
        var outcome = Outcome(fields: record.fields, stamps: record.stamps, fieldVersions: record.fieldVersions,
                              changedFields: [], supersededFields: [], hardConflicts: [], concurrentFields: [])
        let stamp = write.stamp
        for name in write.fields.keys.sorted() {
            let value = write.fields[name]!
            let existingValue = record.fields[name] ?? .null
            let existingStamp = record.stamps[name]
            let concurrent = Self.isConcurrent(name, in: record, with: write)
            let newer = existingStamp.map { stamp > $0 } ?? true
            var wins = newer
            switch schema.mergePolicy(for: name) {
            case .reviewed where concurrent && value != existingValue:
                switch hold {
                case .later: break
                case .earlier: wins = !newer
                case .existing: wins = false
                }
                outcome.hardConflicts.append(FieldConflict(
                    field: name, existingValue: existingValue, existingStamp: existingStamp,
                    existingVersion: record.fieldVersion(name), incomingValue: value,
                    provisional: wins ? .incoming : .existing))
            case .elementSet where concurrent && value.isNull != existingValue.isNull:
                // Add wins: a concurrent removal never takes away an element someone else added.
                wins = !value.isNull
                outcome.concurrentFields.append(name)
            case .lastWriterWins, .reviewed, .elementSet, .immutable, .serverOnly:
                // `.immutable`/`.serverOnly` were refused by validation for device writes.
                if concurrent && value != existingValue { outcome.concurrentFields.append(name) }
            }
            guard wins else {
                outcome.supersededFields.append(name)
                continue
            }
            if existingStamp == stamp && existingValue == value { continue }
            outcome.fields[name] = value
            outcome.stamps[name] = stamp
            outcome.fieldVersions[name] = write.newVersion
            outcome.changedFields.append(name)
        }
        return outcome
    }
}
