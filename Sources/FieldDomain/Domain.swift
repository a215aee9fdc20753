import SyncModel

/// The field catalogue of protocol v1: one `CollectionSchema` per collection (see `protocol/domain.md`).
public enum Domain {
    /// The schema of `collection`.
    public static func schema(for collection: CollectionName) -> CollectionSchema {
        switch collection {
        case .households: return households
        case .members: return members
        case .visits: return visits
        case .helpers: return helpers
        case .assignments: return assignments
        case .regions: return regions
        }
    }

    /// Every schema, in `CollectionName.allCases` order.
    public static var allSchemas: [CollectionSchema] { CollectionName.allCases.map(schema(for:)) }
}
