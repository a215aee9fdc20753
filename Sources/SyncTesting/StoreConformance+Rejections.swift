import SyncEngine
import SyncModel
import SyncStore

/// Kept rejections have ids and are marked resolved one at a time (protocol/README.md §12).
extension StoreConformance {
    static let rejectionChecks: [String: Check] = [
        "resolvingARejectionStopsCountingItAsOpen": resolvingARejectionStopsCountingItAsOpen,
        "helpersAssignedToHouseholdsListsCoHelpers": helpersAssignedToHouseholdsListsCoHelpers,
    ]

    static func resolvingARejectionStopsCountingItAsOpen(_ makeStore: @Sendable () async throws -> any SyncStore)
        async throws
    {
        let fixture = try await StoreFixture.make(try await makeStore())
        let (helper, households) = try fixture.helper()
        try await fixture.enroll("dev-a", helperId: helper)
        var refused: [Mutation] = []
        for seq in Int64(1)...3 {
            var invalid = fixture.visit("v\(seq)", seq: seq, device: "dev-a", household: households[0])
            invalid.fields["kind"] = "nonsense"
            refused.append(invalid)
        }
        _ = try await fixture.push(refused, device: "dev-a", helper: helper)
        let kept = try await fixture.store.rejections(deviceIds: ["dev-a"], limit: 10)
        let ids = kept.compactMap(\.id)
        try require(ids.count == 3 && Set(ids).count == 3, "kept rejections need distinct ids: \(kept.map(\.id))")
        try require(kept.allSatisfy { !$0.resolved }, "new rejections are open")
        func open() async throws -> Int? { try await fixture.store.deviceStates().first { $0.deviceId == "dev-a" }?.rejectedOpen }
        try require(try await open() == 3, "three open")

        guard let second = kept.first(where: { $0.seq == 2 }) else { throw ConformanceFailure("no rejection of seq 2") }
        let resolved = try await fixture.store.resolveRejection(id: second.id ?? 0)
        try require(resolved?.resolved == true && resolved?.seq == 2 && resolved?.code == second.code,
                    "resolved: \(String(describing: resolved))")
        try require(try await open() == 2, "resolving one leaves two open")
        try require(try await fixture.store.rejection(id: second.id ?? 0)?.resolved == true, "read back resolved")
        try require(try await fixture.store.rejection(id: kept.first { $0.seq == 1 }?.id ?? 0)?.resolved == false,
                    "the others stay open")
        _ = try await fixture.store.resolveRejection(id: second.id ?? 0)
        try require(try await open() == 2, "resolving twice changes nothing")
        try require(try await fixture.store.resolveRejection(id: (ids.max() ?? 0) + 1000) == nil, "an unknown id")
        try require(try await fixture.store.rejection(id: (ids.max() ?? 0) + 1000) == nil, "an unknown id")
        try require(try await fixture.store.rejections(deviceIds: ["dev-a"], limit: 10).count == 3,
                    "resolved rejections stay listed")
    }

    static func helpersAssignedToHouseholdsListsCoHelpers(_ makeStore: @Sendable () async throws -> any SyncStore)
        async throws
    {
        let fixture = try await StoreFixture.make(try await makeStore(), coHelpers: 4)
        let everything = try await fixture.everything().values
        var expected: [String: Set<String>] = [:]
        for record in everything where record.collection == .assignments && !record.deleted {
            guard let household = record.scope.householdId, let helper = record.scope.helperId else { continue }
            expected[household, default: []].insert(helper)
        }
        try require(expected.values.contains { $0.count > 1 }, "the fixture has no co-helped household")
        let asked = Set(expected.keys.sorted().prefix(25)).union(["5299990010019999"])
        let actual = try await fixture.store.helpersAssigned(to: asked)
        try require(actual == expected.filter { asked.contains($0.key) }, "helpers per household: \(actual)")
        try require(try await fixture.store.helpersAssigned(to: []).isEmpty, "no households asked")
    }
}
