import SyncModel

/// A generated county, ready to seed a store: every record at version 0 with seed stamps.
public struct SyntheticCounty: Sendable, Hashable, Codable {
    /// The county, its towns and villages.
    public var regions: [SyncRecord]
    /// The helpers.
    public var helpers: [SyncRecord]
    /// The households.
    public var households: [SyncRecord]
    /// The household members, grouped by household, head first.
    public var members: [SyncRecord]
    /// One assignment per household.
    public var assignments: [SyncRecord]

    /// Makes a county from its records.
    public init(regions: [SyncRecord], helpers: [SyncRecord], households: [SyncRecord], members: [SyncRecord],
                assignments: [SyncRecord]) {
        self.regions = regions
        self.helpers = helpers
        self.households = households
        self.members = members
        self.assignments = assignments
    }

    /// Every record, in the order regions, helpers, households, members, assignments.
    public var allRecords: [SyncRecord] { regions + helpers + households + members + assignments }
}
