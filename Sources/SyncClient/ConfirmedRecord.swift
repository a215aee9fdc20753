import SyncModel

/// A record exactly as the server last delivered it in a pull: the *confirmed* state a ``LocalStore`` keeps.
public struct ConfirmedRecord: Sendable, Hashable, Codable {
    /// The collection, e.g. `households`.
    public var collection: String
    /// The record id.
    public var id: String
    /// The change-log version of this state.
    public var version: Int64
    /// The fields.
    public var fields: [String: JSONValue]
    /// Each field's last-write stamp.
    public var stamps: [String: HLCTimestamp]
    /// Conflicts on the record awaiting an admin's review.
    public var openConflicts: [ConflictMarker]

    /// Makes a confirmed record.
    public init(collection: String, id: String, version: Int64, fields: [String: JSONValue],
                stamps: [String: HLCTimestamp], openConflicts: [ConflictMarker] = []) {
        self.collection = collection
        self.id = id
        self.version = version
        self.fields = fields
        self.stamps = stamps
        self.openConflicts = openConflicts
    }

    /// The confirmed state a pulled change describes.
    public init(_ change: RecordChange) {
        self.init(collection: change.collection, id: change.recordId, version: change.version,
                  fields: change.fields, stamps: change.stamps, openConflicts: change.openConflicts ?? [])
    }
}
