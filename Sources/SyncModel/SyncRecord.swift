/// A record as stored: its fields with per-field stamps, its version, and the keys that place it in scopes.
public struct SyncRecord: Sendable, Hashable, Codable {
    public var collection: CollectionName
    public var id: String
    /// The change-log version of this state (0 before it is first written).
    public var version: Int64
    /// A tombstone.
    public var deleted: Bool
    public var fields: [String: JSONValue]
    public var stamps: [String: HLCTimestamp]
    /// The scope keys (DESIGN §3.5): a helper sees records of its households, records of its own
    /// (visits to a village or project, its profile); admins see their region.
    public var scope: RecordScope

    public init(collection: CollectionName, id: String, version: Int64 = 0, deleted: Bool = false,
                fields: [String: JSONValue], stamps: [String: HLCTimestamp], scope: RecordScope) {
        self.collection = collection
        self.id = id
        self.version = version
        self.deleted = deleted
        self.fields = fields
        self.stamps = stamps
        self.scope = scope
    }

    /// The record as pull delivers it.
    public var change: RecordChange {
        RecordChange(collection: collection.rawValue, recordId: id, version: version, deleted: deleted,
                     fields: deleted ? [:] : fields, stamps: deleted ? [:] : stamps)
    }
}

/// The keys that decide which devices see a record.
public struct RecordScope: Sendable, Hashable, Codable {
    /// The household the record belongs to (a household, its members, visits to it).
    public var householdId: String?
    /// The 12-digit village code the record lies in.
    public var villageCode: String?
    /// The helper the record belongs to personally (their own profile, their village/project visits).
    public var helperId: String?

    public init(householdId: String? = nil, villageCode: String? = nil, helperId: String? = nil) {
        self.householdId = householdId
        self.villageCode = villageCode
        self.helperId = helperId
    }
}

/// Addresses a record.
public struct RecordKey: Sendable, Hashable, Codable, CustomStringConvertible {
    public var collection: CollectionName
    public var id: String
    public init(_ collection: CollectionName, _ id: String) {
        self.collection = collection
        self.id = id
    }
    public var description: String { "\(collection.rawValue)/\(id)" }
}
