/// What a mutation does to its record.
public enum MutationOp: String, Sendable, Hashable, Codable, CaseIterable {
    /// Creates a record that must not exist yet (a member, a visit).
    case create
    /// Writes some fields of an existing record; each field merges on its own.
    case set
    /// Marks a record deleted (a tombstone). Reserved for admins in protocol v1.
    case delete
}
