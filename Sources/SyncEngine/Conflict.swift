import SyncModel

/// A conflict the engine detected while merging a device's write (DESIGN §3.7, protocol/conflicts.md).
///
/// `hard` conflicts (concurrent differing writes to a reviewed field) wait in the admin review queue;
/// `soft` ones (concurrent edits merged automatically) are kept for information; `deleted` ones hold an
/// edit that reached a record an admin had deleted.
public struct Conflict: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case hard
        case soft
        case deleted
    }

    public enum Status: String, Sendable, Hashable, Codable, CaseIterable {
        /// Waiting for an admin (hard and deleted conflicts).
        case open
        /// An admin chose a side or entered a value.
        case resolved
        /// Informational only (soft conflicts): merged automatically, never reviewed.
        case logged
    }

    /// Which stored side a resolution keeps, or `value` for one the admin entered.
    public enum Side: String, Sendable, Hashable, Codable, CaseIterable {
        /// The value the record held when the conflicting write arrived.
        case existing
        /// The value the conflicting write carried.
        case incoming
        case value
    }

    /// One side of a conflict: who wrote what, when.
    public struct Write: Sendable, Hashable, Codable {
        /// The writing device (`admin` or `seed` for server-side writes).
        public var deviceId: String
        /// The device's sequence number (incoming side).
        public var seq: Int64?
        /// The value (an object of field → value for soft and deleted conflicts).
        public var value: JSONValue
        public var stamp: HLCTimestamp?
        /// The record version at which this value was written (existing side).
        public var version: Int64?

        public init(deviceId: String, seq: Int64? = nil, value: JSONValue, stamp: HLCTimestamp? = nil,
                    version: Int64? = nil) {
            self.deviceId = deviceId
            self.seq = seq
            self.value = value
            self.stamp = stamp
            self.version = version
        }
    }

    /// How an admin settled a conflict.
    public struct Resolution: Sendable, Hashable, Codable {
        public var choice: Side
        /// The value written (the chosen side's, or the entered one).
        public var value: JSONValue
        public var reason: String
        public var resolvedBy: String?
        /// Server time, milliseconds since 1970.
        public var resolvedAt: Int64
        /// The record version the resolution produced.
        public var version: Int64

        public init(choice: Side, value: JSONValue, reason: String, resolvedBy: String?, resolvedAt: Int64,
                    version: Int64) {
            self.choice = choice
            self.value = value
            self.reason = reason
            self.resolvedBy = resolvedBy
            self.resolvedAt = resolvedAt
            self.version = version
        }
    }

    /// `cf.<deviceId>.<seq>.<field>` for hard conflicts, `cf.<deviceId>.<seq>` otherwise: deterministic,
    /// so every store and every replay names a conflict alike.
    public var id: String
    public var kind: Kind
    public var status: Status
    public var collection: CollectionName
    public var recordId: String
    /// The field in conflict (hard conflicts).
    public var field: String?
    /// Every field involved.
    public var fields: [String]
    public var householdId: String?
    public var villageCode: String?
    /// The record version the incoming write was based on.
    public var baseVersion: Int64
    public var existing: Write
    public var incoming: Write
    /// Which side the record holds until review (hard conflicts: the later stamp).
    public var provisional: Side?
    /// Server time the conflict opened, milliseconds since 1970.
    public var openedAt: Int64
    /// The record version written when it opened (the record's version for a deleted record).
    public var openedVersion: Int64
    public var resolution: Resolution?

    public init(id: String, kind: Kind, status: Status, collection: CollectionName, recordId: String,
                field: String?, fields: [String], householdId: String?, villageCode: String?, baseVersion: Int64,
                existing: Write, incoming: Write, provisional: Side?, openedAt: Int64, openedVersion: Int64,
                resolution: Resolution? = nil) {
        self.id = id
        self.kind = kind
        self.status = status
        self.collection = collection
        self.recordId = recordId
        self.field = field
        self.fields = fields
        self.householdId = householdId
        self.villageCode = villageCode
        self.baseVersion = baseVersion
        self.existing = existing
        self.incoming = incoming
        self.provisional = provisional
        self.openedAt = openedAt
        self.openedVersion = openedVersion
        self.resolution = resolution
    }

    /// The stamp key under which a tombstone keeps who deleted it and when (no field has this name: field
    /// names start with a lowercase letter).
    public static let deletedMarkerField = "_deleted"

    /// The id of a conflict opened by a device's mutation (`field` for hard conflicts).
    public static func makeId(deviceId: String, seq: Int64, field: String?) -> String {
        if let field { return "cf.\(deviceId).\(seq).\(field)" }
        return "cf.\(deviceId).\(seq)"
    }
}
