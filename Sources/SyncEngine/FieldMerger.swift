import FieldDomain
import SyncModel

/// Merges one write into a record, field by field (DESIGN §3.7).
///
/// Every field keeps the stamp of its last write; an incoming value wins when its stamp is newer. A `null`
/// value is kept with its stamp (a field-level tombstone) so that an older write cannot bring the old
/// value back. Fields under the `reviewed` policy merge the same way for now: the conflicts issue plugs in
/// the review queue through `ReviewedFieldRule`.
public struct FieldMerger: Sendable {
    /// What a merge did to the record.
    public struct Outcome: Sendable, Hashable {
        /// The record after the merge.
        public var fields: [String: JSONValue]
        public var stamps: [String: HLCTimestamp]
        /// Fields whose value or stamp changed.
        public var changedFields: [String]
        /// Fields the write lost (an existing stamp was newer).
        public var supersededFields: [String]
    }

    public let schema: CollectionSchema

    public init(schema: CollectionSchema) { self.schema = schema }

    /// Applies `incoming`, all stamped `stamp`, to a record's `fields` and `stamps`.
    public func merge(
        fields: [String: JSONValue], stamps: [String: HLCTimestamp], incoming: [String: JSONValue],
        stamp: HLCTimestamp
    ) -> Outcome {
        var outcome = Outcome(fields: fields, stamps: stamps, changedFields: [], supersededFields: [])
        for name in incoming.keys.sorted() {
            let value = incoming[name]!
            if let existing = stamps[name], existing >= stamp {
                outcome.supersededFields.append(name)
                continue
            }
            switch schema.mergePolicy(for: name) {
            case .lastWriterWins, .reviewed, .elementSet, .immutable, .serverOnly:
                // `.elementSet` fields are flattened per element (`policies.<code>`), so each element already
                // merges on its own; `.immutable`/`.serverOnly` were refused by validation for device writes.
                outcome.fields[name] = value
                outcome.stamps[name] = stamp
                outcome.changedFields.append(name)
            }
        }
        return outcome
    }
}
