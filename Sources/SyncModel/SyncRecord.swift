/// A record as stored: its fields with per-field stamps, its version, its place in the change log, and the
/// keys that place it in scopes.
///
/// Two numbers (docs/log-positions.md): `version` is the record's own revision, 1 when created and +1 on
/// every write of it, which the engine computes from the record alone and which merges compare; `position`
/// is where this state sits in the server-wide change log, which only a store assigns, at or after commit.
public struct SyncRecord: Sendable, Hashable, Codable {
    public var collection: CollectionName
    public var id: String
    /// The record's own version (revision): 1 when created, +1 per write of this record (0 before it is
    /// first written). Versions of different records are unrelated.
    public var version: Int64
    /// The position of this state in the change log, assigned by the store (0 until it has one). Pulls walk
    /// positions; devices see them only inside the opaque cursor (protocol 2).
    public var position: Int64
    /// A tombstone.
    public var deleted: Bool
    public var fields: [String: JSONValue]
    public var stamps: [String: HLCTimestamp]
    /// The scope keys (DESIGN §3.5): a helper sees records of its households, records of its own
    /// (visits to a village or project, its profile); admins see their region.
    public var scope: RecordScope
    /// The record version at which each field last changed (server-internal: it tells a concurrent write,
    /// made from an older base, from a sequential one). A field missing here changed at the record's
    /// `version` (stores keep only the entries that differ; see `materializeFieldVersions`).
    public var fieldVersions: [String: Int64]
    /// Hard conflicts on this record awaiting review, sorted by id.
    public var openConflicts: [ConflictMarker]

    public init(collection: CollectionName, id: String, version: Int64 = 0, position: Int64 = 0, deleted: Bool = false,
                fields: [String: JSONValue], stamps: [String: HLCTimestamp], scope: RecordScope,
                fieldVersions: [String: Int64] = [:], openConflicts: [ConflictMarker] = []) {
        self.collection = collection
        self.id = id
        self.version = version
        self.position = position
        self.deleted = deleted
        self.fields = fields
        self.stamps = stamps
        self.scope = scope
        self.fieldVersions = fieldVersions
        self.openConflicts = openConflicts
    }

    /// The record as pull delivers it: with its version (protocol 2), or with its log position in the
    /// `version` field, as protocol 1 defined it (protocol/README.md §3).
    public func change(protocolVersion: Int = ProtocolVersion.current) -> RecordChange {
        RecordChange(collection: collection.rawValue, recordId: id,
                     version: protocolVersion >= 2 ? version : position, deleted: deleted,
                     fields: deleted ? [:] : fields, stamps: deleted ? [:] : stamps,
                     openConflicts: deleted || openConflicts.isEmpty ? nil : openConflicts)
    }

    /// The version at which `field` last changed.
    public func fieldVersion(_ field: String) -> Int64 { fieldVersions[field] ?? version }

    /// Gives every field an explicit version before the record's `version` moves on, so fields the next
    /// write leaves alone keep the version they changed at.
    public mutating func materializeFieldVersions() {
        for name in fields.keys where fieldVersions[name] == nil { fieldVersions[name] = version }
        for name in stamps.keys where fieldVersions[name] == nil { fieldVersions[name] = version }
    }

    /// The field versions that differ from `version` (what stores keep).
    public var storedFieldVersions: [String: Int64] { fieldVersions.filter { $0.value != version } }
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
