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

extension SyntheticCounty {
    /// The county with every household also assigned to the `count` helpers that follow its own helper
    /// (co-helpers, 结对帮扶小组): several helpers then visit and edit the same households, which is what
    /// the simulator's contention scenario needs. Deterministic; `count` 0 returns the county unchanged.
    public func sharingHouseholds(coHelpers count: Int) -> SyntheticCounty {
        guard count > 0, helpers.count > 1 else { return self }
        let index = Dictionary(uniqueKeysWithValues: helpers.enumerated().map { ($0.element.id, $0.offset) })
        var extra: [SyncRecord] = []
        var seen = Set(assignments.map(\.id))
        for assignment in assignments {
            guard let helper = assignment.scope.helperId, let household = assignment.scope.householdId,
                let position = index[helper] else { continue }
            for step in 1...min(count, helpers.count - 1) {
                let coHelper = helpers[(position + step) % helpers.count].id
                let id = coHelper + ":" + household
                guard seen.insert(id).inserted else { continue }
                extra.append(CountyGenerator.seedRecord(.assignments, id, [
                    "helperId": .string(coHelper), "householdId": .string(household),
                ]))
            }
        }
        var county = self
        county.assignments += extra
        return county
    }
}
