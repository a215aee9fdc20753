import FieldDomain
import SyncModel

/// The small county a randomized history runs in: one village's first few households with their members,
/// and one helper per device, each household assigned to most helpers (at least one), so that devices
/// contend for the same records while reassignments still move households in and out of scopes.
struct HistoryWorld {
    let records: [SyncRecord]
    let helperIds: [String]
    let householdIds: [String]
    /// Member ids by household.
    let members: [String: [String]]
    /// Valid ID numbers a member's `idNumber` may be set to (a small pool, so equal concurrent values occur).
    let idNumbers: [String: [String]]
    /// The seeded assignments: households by helper.
    let assigned: [String: Set<String>]
    /// The village of the households (a village admin's region).
    let village: String

    init(helpers: Int, households: Int, seed: UInt64) {
        let county = CountyGenerator(households: max(households, 4), seed: seed).generate()
        var chosen: [SyncRecord] = []
        for var household in county.households.prefix(households) {
            // Start every household as 已脱贫 with no monitoring category; the histories move it between
            // lifted, notLifted and monitored (with a category), so concurrent edits meet the
            // status/category rule (protocol/conflicts.md §2.2).
            household.fields["status"] = "lifted"
            household.fields["monitoringCategory"] = nil
            household.stamps["monitoringCategory"] = nil
            chosen.append(household)
        }
        let householdIds = chosen.map(\.id)
        let wanted = Set(householdIds)
        let members = county.members.filter { wanted.contains($0.scope.householdId ?? "") }
        var helperRecords: [SyncRecord] = []
        var assignments: [SyncRecord] = []
        let template = county.helpers[0]
        var helperIds: [String] = []
        var random = SplitMix64(seed: seed ^ 0x5C0FE)
        var assigned: [String: Set<String>] = [:]
        // Every household has at least one helper; each other pairing exists with 4 chances in 5.
        let owners = Dictionary(uniqueKeysWithValues: householdIds.map { ($0, Int.random(in: 0..<helpers, using: &random)) })
        for index in 0..<helpers {
            let id = template.id + "x" + String(index)
            helperIds.append(id)
            var fields = template.fields
            fields["name"] = .string("帮扶干部\(index + 1)")
            helperRecords.append(CountyGenerator.seedRecord(.helpers, id, fields))
            for household in householdIds where owners[household] == index || Int.random(in: 0..<5, using: &random) > 0 {
                assigned[id, default: []].insert(household)
                assignments.append(CountyGenerator.seedRecord(.assignments, id + ":" + household, [
                    "helperId": .string(id), "householdId": .string(household),
                ]))
            }
        }
        var idNumbers: [String: [String]] = [:]
        var byHousehold: [String: [String]] = [:]
        for (index, member) in members.enumerated() {
            byHousehold[member.scope.householdId!, default: []].append(member.id)
            let current = member.fields["idNumber"]?.stringValue
            let alternatives = (0..<2).map { offset in
                IDNumber.make(regionCode6: "522327", birth: (1960 + index % 40, 1 + offset, 1 + index % 28),
                              sequence: 100 + index * 3 + offset)
            }
            idNumbers[member.id] = (current.map { [$0] } ?? []) + alternatives
        }
        self.records = county.regions + helperRecords + chosen + members + assignments
        self.helperIds = helperIds
        self.householdIds = householdIds
        self.members = byHousehold
        self.idNumbers = idNumbers
        self.assigned = assigned
        self.village = chosen[0].scope.villageCode ?? ""
    }
}
