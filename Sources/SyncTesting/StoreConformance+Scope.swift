import FieldDomain
import SyncEngine
import SyncModel
import SyncStore

/// The scope guarantees (protocol/scopes.md): each adapter evaluates the `Scope` the core computes, for
/// every role, and pages move-in and move-out as `PullAssembler` says. Expected sets are stated here from
/// the records' scope keys and the store's own contents, not through `Scope`, so an adapter that
/// evaluates a scope differently from the rule fails.
extension StoreConformance {
    static let scopeChecks: [String: Check] = [
        "moveInDeliversTheHouseholdWholeBelowTheCursor": moveInDeliversTheHouseholdWholeBelowTheCursor,
        "moveOutDeliversRemovalsOnce": moveOutDeliversRemovalsOnce,
        "departedHouseholdTakesOnlyWritesMadeBeforeTheMove": departedHouseholdTakesOnlyWritesMadeBeforeTheMove,
        "everyAdminRoleSeesExactlyItsRegion": everyAdminRoleSeesExactlyItsRegion,
        "adminPhoneWritesOnlyInItsRegion": adminPhoneWritesOnlyInItsRegion,
        "compactionForgetsOnlyWhatTheRuleAccepts": compactionForgetsOnlyWhatTheRuleAccepts,
        "rejectionsOfADeviceSetNewestFirst": rejectionsOfADeviceSetNewestFirst,
    ]

    static func moveInDeliversTheHouseholdWholeBelowTheCursor(_ makeStore: @Sendable () async throws -> any SyncStore)
        async throws
    {
        let fixture = try await StoreFixture.make(try await makeStore())
        let (helperA, _) = try fixture.helper()
        let (helperB, householdsB) = try fixture.helper(skipping: [helperA])
        try await fixture.enroll("dev-b", helperId: helperB)
        let moving = try fixture.household(of: householdsB, withMembers: 2)
        // History the new holder has never seen: a visit, an edit and a deleted member.
        _ = try await fixture.push([fixture.visit("v-before", seq: 1, device: "dev-b", household: moving),
                                    fixture.setHousehold(moving, seq: 2, device: "dev-b", fields: ["incomeWage": 4321])],
                                   device: "dev-b", helper: helperB)
        let member = try await fixture.everything().values
            .first { $0.collection == .members && $0.scope.householdId == moving }
        guard let member else { throw ConformanceFailure("household \(moving) has no member") }
        try await fixture.delete(RecordKey(.members, member.id))

        let cursorA = try await fixture.cursor(device: "dev-a", scope: .helper(helperA))
        let before = try await fixture.pullAll(device: "dev-a", scope: .helper(helperA)).flatMap(\.records)
        try require(!before.contains { $0.scope.householdId == moving }, "dev-a held \(moving) before the move")

        let assignment = try await fixture.assign(moving, to: helperA)
        let expected = try await fixture.keys(ofHousehold: moving)
        let pages = try await fixture.pullAll(device: "dev-a", scope: .helper(helperA), after: cursorA, maxBytes: 512)
        let delivered = pages.flatMap(\.records)
        try require(Set(delivered.map { RecordKey($0.collection, $0.id) }).count == delivered.count,
                    "a moved-in record was delivered twice")
        try require(Set(delivered.map { RecordKey($0.collection, $0.id) }) == expected,
                    "moved in \(delivered.map(\.id).sorted()), expected \(expected.map(\.id).sorted())")
        try require(delivered.contains { $0.position <= cursorA }, "no record below the cursor: the move-in is not whole")
        try require(delivered.contains { $0.collection == .members && $0.id == member.id && $0.deleted },
                    "the deleted member's tombstone did not move in")
        try require(delivered.contains { $0.collection == .visits && $0.id == "v-before" }, "the earlier visit did not move in")
        // The household arrives in one page at one position: a cursor between its records would skip some.
        let carrying = pages.filter { page in page.records.contains { $0.scope.householdId == moving } }
        try require(carrying.count == 1, "the moved-in household was split over \(carrying.count) pages")
        try require(pages.allSatisfy { $0.removals.isEmpty }, "a move-in delivered removals")
        let cursor = pages.last?.cursor ?? cursorA
        try require(cursor >= assignment.position, "cursor \(cursor) stopped below the move at \(assignment.position)")
        let again = try await fixture.pullAll(device: "dev-a", scope: .helper(helperA), after: cursor)
        try require(again.allSatisfy { $0.items.isEmpty }, "the moved-in household came again after the cursor")
    }

    static func moveOutDeliversRemovalsOnce(_ makeStore: @Sendable () async throws -> any SyncStore) async throws {
        let fixture = try await StoreFixture.make(try await makeStore())
        let (helperB, householdsB) = try fixture.helper(withAtLeast: 2)
        try await fixture.enroll("dev-b", helperId: helperB)
        let moving = try fixture.household(of: householdsB, withMembers: 1)
        _ = try await fixture.push([fixture.visit("v-before", seq: 1, device: "dev-b", household: moving)],
                                   device: "dev-b", helper: helperB)
        let cursorB = try await fixture.cursor(device: "dev-b", scope: .helper(helperB))
        let expected = try await fixture.keys(ofHousehold: moving)
        let ended = try await fixture.endAssignment(moving, of: helperB)

        let pages = try await fixture.pullAll(device: "dev-b", scope: .helper(helperB), after: cursorB, maxBytes: 512)
        let removals = pages.flatMap(\.removals)
        try require(Set(removals) == expected, "removed \(removals.map(\.id).sorted()), held \(expected.map(\.id).sorted())")
        try require(Set(removals).count == removals.count, "a removal was delivered twice")
        try require(!pages.flatMap(\.records).contains { $0.scope.householdId == moving },
                    "a record of the departed household was delivered")
        for page in pages {
            for item in page.items {
                if case .removed(_, let position) = item {
                    try require(position == ended.position, "removal at \(position), the move was at \(ended.position)")
                }
            }
        }
        let cursor = pages.last?.cursor ?? cursorB
        let again = try await fixture.pullAll(device: "dev-b", scope: .helper(helperB), after: cursor)
        try require(again.allSatisfy { $0.items.isEmpty }, "removals came again after the cursor")
        // A new device of the old helper never sees the household, and still gets every other one.
        let fresh = try await fixture.pullAll(device: "dev-b2", scope: .helper(helperB)).flatMap(\.records)
        try require(!fresh.contains { $0.scope.householdId == moving }, "a fresh pull delivered the departed household")
        let kept = Set(fresh.filter { $0.collection == .households && !$0.deleted }.map(\.id))
        try require(kept == Set(householdsB).subtracting([moving]), "households kept: \(kept.sorted())")
    }

    static func departedHouseholdTakesOnlyWritesMadeBeforeTheMove(
        _ makeStore: @Sendable () async throws -> any SyncStore
    ) async throws {
        let fixture = try await StoreFixture.make(try await makeStore())
        let (helperB, householdsB) = try fixture.helper(withAtLeast: 2)
        try await fixture.enroll("dev-b", helperId: helperB)
        let moving = householdsB[0]
        let movedAt = fixture.clock.now()
        try await fixture.endAssignment(moving, of: helperB)
        fixture.clock.advance(by: 60_000)
        // Written offline: one edit before the move took effect, a visit and an edit after it, and an edit
        // of a household the helper still holds.
        let plan = try await fixture.push([
            fixture.setHousehold(moving, seq: 1, device: "dev-b", fields: ["incomeWage": 1111], physical: movedAt - 1000),
            fixture.visit("v-after", seq: 2, device: "dev-b", household: moving),
            fixture.setHousehold(moving, seq: 3, device: "dev-b", fields: ["incomeBusiness": 2222],
                                 physical: movedAt + 1000),
            fixture.setHousehold(householdsB[1], seq: 4, device: "dev-b", fields: ["incomeWage": 3333]),
        ], device: "dev-b", helper: helperB)
        try require(plan.results.map(\.status) == [.applied, .rejected, .rejected, .applied], "statuses: \(plan.results)")
        try require(plan.results[1].code == .scopeRevoked && plan.results[2].code == .scopeRevoked,
                    "codes: \(plan.results.map(\.code))")
        try require(plan.lastAppliedSeq == 4, "the refused writes must still advance the sequence")
        let record = try await fixture.store.record(RecordKey(.households, moving))
        try require(record?.fields["incomeWage"] == .int(1111), "the write made before the move was lost")
        try require(record?.fields["incomeBusiness"] != .int(2222), "a write made after the move landed")
        try require(try await fixture.store.record(RecordKey(.visits, "v-after")) == nil, "a visit made after the move landed")
        let kept = try await fixture.store.rejections(deviceIds: ["dev-b"], limit: 10)
        try require(Set(kept.filter { $0.code == .scopeRevoked }.map(\.seq)) == [2, 3], "quarantined for admins: \(kept)")
    }

    static func everyAdminRoleSeesExactlyItsRegion(_ makeStore: @Sendable () async throws -> any SyncStore) async throws {
        let fixture = try await StoreFixture.make(try await makeStore(), households: 120)
        let all = try await fixture.everything()
        let villages = Set(fixture.county.households.compactMap(\.scope.villageCode)).sorted()
        try require(villages.count >= 2, "the fixture county needs two villages, has \(villages.count)")
        let village = villages[0]
        let cases: [(AdminRole, String)] = [
            (.village, village), (.town, String(village.prefix(9))), (.county, String(village.prefix(6))), (.operator, ""),
        ]
        var sizes: [AdminRole: Int] = [:]
        for (role, region) in cases {
            let principal = Principal.admin(id: "adm-\(role.rawValue)", role: role, region: region)
            let pages = try await fixture.pullAll(device: "phone-\(role.rawValue)", scope: .principal(principal),
                                                  maxBytes: 8192)
            let delivered = pages.flatMap(\.records).map { RecordKey($0.collection, $0.id) }
            try require(Set(delivered).count == delivered.count, "\(role) got a record twice")
            let expected = role == .operator
                ? Set(all.keys)
                : Set(all.filter { $0.value.scope.villageCode?.hasPrefix(region) == true }.keys)
            try require(!expected.isEmpty, "nothing in region \(region)")
            let extra = Set(delivered).subtracting(expected)
            let missing = expected.subtracting(delivered)
            try require(extra.isEmpty && missing.isEmpty,
                        "\(role) \(region): \(extra.count) outside the region delivered, \(missing.count) missing, e.g. \(Array(extra.union(missing).prefix(3)))")
            try require(pages.allSatisfy { $0.removals.isEmpty }, "\(role) got removals without any move")
            sizes[role] = delivered.count
        }
        let nextVillage = all.values.filter { $0.scope.villageCode == villages[1] }
        try require(!nextVillage.isEmpty, "the next village holds nothing")
        try require(sizes[.village]! < sizes[.operator]!, "a village admin saw as much as the operator")

        // The helpers of a region: those with a current assignment in one of its households.
        let ended = fixture.county.assignments.first { $0.scope.villageCode == village }!
        try await fixture.endAssignment(ended.scope.householdId!, of: ended.scope.helperId!)
        var current: [String: Set<String>] = [:]
        for assignment in fixture.county.assignments where assignment.id != ended.id {
            current[assignment.scope.helperId!, default: []].insert(assignment.scope.villageCode ?? "")
        }
        for region in [village, String(village.prefix(9))] {
            let expected = Set(current.filter { $0.value.contains { $0.hasPrefix(region) } }.keys)
            let helpers = try await fixture.store.helperIds(inRegion: region)
            try require(helpers == expected, "helpers in \(region): \(helpers.sorted()) ≠ \(expected.sorted())")
        }
        // A helper's current households: what decides whether an admin may enrol a device for it.
        let helper = ended.scope.helperId!
        let assigned = Set(fixture.county.assignments
            .filter { $0.scope.helperId == helper && $0.id != ended.id }.compactMap(\.scope.householdId))
        let stored = try await fixture.store.householdsAssigned(to: helper)
        try require(stored == assigned, "households of \(helper): \(stored.sorted()) ≠ \(assigned.sorted())")
    }

    static func adminPhoneWritesOnlyInItsRegion(_ makeStore: @Sendable () async throws -> any SyncStore) async throws {
        let fixture = try await StoreFixture.make(try await makeStore(), households: 120)
        let households = fixture.county.households
        guard let inside = households.first?.scope.villageCode,
            let outside = households.first(where: { $0.scope.villageCode != inside })
        else { throw ConformanceFailure("the fixture county needs two villages") }
        let own = households.first { $0.scope.villageCode == inside }!
        let admin = Principal.admin(id: "adm-v", role: .village, region: inside)
        let plan = try await fixture.push([
            fixture.setHousehold(own.id, seq: 1, device: "phone-v", fields: ["incomeWage": 7000]),
            fixture.setHousehold(outside.id, seq: 2, device: "phone-v", fields: ["incomeWage": 7001]),
            fixture.visit("v-admin", seq: 3, device: "phone-v", household: own.id),
            fixture.visit("v-admin-out", seq: 4, device: "phone-v", household: outside.id),
        ], device: "phone-v", principal: admin)
        try require(plan.results.map(\.status) == [.applied, .rejected, .applied, .rejected], "statuses: \(plan.results)")
        try require(plan.results[1].code == .outOfScope && plan.results[3].code == .outOfScope,
                    "codes: \(plan.results.map(\.code))")
        try require(try await fixture.store.record(RecordKey(.households, outside.id))?.fields["incomeWage"] != .int(7001),
                    "a write outside the region landed")
        let visit = try await fixture.store.record(RecordKey(.visits, "v-admin"))
        try require(visit?.fields["helperId"] == .string("adm-v"), "the visit's writer is not the admin: \(String(describing: visit))")
        try require(try await fixture.store.record(RecordKey(.visits, "v-admin-out")) == nil, "a visit outside the region landed")
    }

    static func compactionForgetsOnlyWhatTheRuleAccepts(_ makeStore: @Sendable () async throws -> any SyncStore)
        async throws
    {
        let fixture = try await StoreFixture.make(try await makeStore())
        let (helper, households) = try fixture.helper()
        let member = fixture.county.members.first { $0.scope.householdId == households[0] }
        guard let member else { throw ConformanceFailure("household \(households[0]) has no member") }
        let memberTombstone = try await fixture.delete(RecordKey(.members, member.id))
        let ended = try await fixture.endAssignment(households[0], of: helper)
        let before = try await fixture.everything()
        let counts = try await CollectionName.allCases.asyncMap { try await fixture.store.count($0) }

        let report = try await fixture.store.compact(collections: [], audit: { _ in [] }) {
            $0.collection == .assignments && $0.deleted
        }
        try require(report.purged == 1, "purged \(report.purged), expected the ended assignment only")
        try require(report.compactedThrough >= ended.position, "horizon \(report.compactedThrough) below \(ended.position)")
        try require(try await fixture.store.record(RecordKey(.assignments, ended.id)) == nil, "the ended assignment is still there")
        try require(try await fixture.store.record(RecordKey(.members, member.id))?.version == memberTombstone.version,
                    "a tombstone the rule did not accept was forgotten")
        let after = try await fixture.everything()
        try require(after.count == before.count - 1, "compaction forgot \(before.count - after.count) records")
        try require(try await CollectionName.allCases.asyncMap { try await fixture.store.count($0) } == counts,
                    "compaction changed a live count")
        let page = try await fixture.store.pull(PullQuery(deviceId: "reader", scope: .all, after: 0, maxBytes: 4096))
        try require(page.compactedThrough == report.compactedThrough, "pull states horizon \(page.compactedThrough)")

        let second = try await fixture.store.compact(collections: [], audit: { _ in [] }) {
            $0.collection == .assignments && $0.deleted
        }
        try require(second.purged == 0 && second.compactedThrough == report.compactedThrough,
                    "a second compaction: \(second)")
    }
}

extension StoreConformance {
    /// A region admin's refused writes are those of its region's devices, newest first, however many
    /// other devices' refusals are newer.
    static func rejectionsOfADeviceSetNewestFirst(_ makeStore: @Sendable () async throws -> any SyncStore) async throws {
        let fixture = try await StoreFixture.make(try await makeStore())
        let (helper, households) = try fixture.helper()
        let devices = ["dev-a", "dev-b", "dev-c"]
        for device in devices { try await fixture.enroll(device, helperId: helper) }
        for seq in Int64(1)...3 {
            for device in devices {
                var invalid = fixture.visit("\(device)-v\(seq)", seq: seq, device: device, household: households[0])
                invalid.fields["kind"] = "nonsense"
                _ = try await fixture.push([invalid], device: device, helper: helper)
            }
        }
        // Newer refusals from a device outside the set must not crowd the set's out.
        for seq in Int64(4)...30 {
            var invalid = fixture.visit("dev-b-v\(seq)", seq: seq, device: "dev-b", household: households[0])
            invalid.fields["kind"] = "nonsense"
            _ = try await fixture.push([invalid], device: "dev-b", helper: helper)
        }
        let some = try await fixture.store.rejections(deviceIds: ["dev-a", "dev-c"], limit: 4)
        try require(some.map { "\($0.deviceId)#\($0.seq ?? 0)" } == ["dev-c#3", "dev-a#3", "dev-c#2", "dev-a#2"],
                    "newest of dev-a and dev-c: \(some.map { "\($0.deviceId)#\($0.seq ?? 0)" })")
        try require(try await fixture.store.rejections(deviceIds: [], limit: 10).isEmpty, "an empty set returned rejections")
        try require(try await fixture.store.rejections(deviceIds: nil, limit: 100).count == 36, "all devices")
        try require(try await fixture.store.rejections(deviceIds: ["dev-b"], limit: 100).count == 30, "one device")
    }
}

extension Array {
    /// Maps in order, awaiting each element.
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var mapped: [T] = []
        for element in self { mapped.append(try await transform(element)) }
        return mapped
    }
}
