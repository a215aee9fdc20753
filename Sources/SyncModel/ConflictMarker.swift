/// Marks a field of a record with a conflict awaiting review (DESIGN §3.7): pull delivers these with the
/// record so the app can show it as "待核实" until an admin resolves the conflict.
public struct ConflictMarker: Sendable, Hashable, Codable, Comparable {
    /// The conflict's id (`cf.<deviceId>.<seq>.<field>`).
    public var id: String
    /// The field in conflict.
    public var field: String

    public init(id: String, field: String) {
        self.id = id
        self.field = field
    }

    public static func < (lhs: ConflictMarker, rhs: ConflictMarker) -> Bool { lhs.id < rhs.id }
}
