import FieldDomain
import SyncEngine
import SyncModel
import SyncStore

/// A store seeded with a small synthetic county, and helpers to push and pull against it as the service
/// does (planner in the store's transaction), for conformance checks and engine tests.
package struct StoreFixture: Sendable {
    package let store: any SyncStore
    package let county: SyntheticCounty
    package let clock: ManualClock

    /// Seeds `store` with a county of `households` households.
    package static func make(_ store: any SyncStore, households: Int = 40, seed: UInt64 = 7, coHelpers: Int = 0)
        async throws -> StoreFixture
    {
        try await store.migrate()
        let county = CountyGenerator(households: households, seed: seed).generate().sharingHouseholds(coHelpers: coHelpers)
        try await store.importRecords(county.allRecords)
        return StoreFixture(store: store, county: county, clock: ManualClock())
    }

    /// A helper that has at least `minimum` households, and those households.
    package func helper(withAtLeast minimum: Int = 1, skipping: Set<String> = []) throws -> (helperId: String, households: [String]) {
        var byHelper: [String: [String]] = [:]
        for assignment in county.assignments {
            guard let helper = assignment.scope.helperId, let household = assignment.scope.householdId else { continue }
            byHelper[helper, default: []].append(household)
        }
        guard let match = byHelper.keys.sorted().first(where: { byHelper[$0]!.count >= minimum && !skipping.contains($0) })
        else { throw ConformanceFailure("fixture has no helper with \(minimum) households") }
        return (match, byHelper[match]!.sorted())
    }

    /// Registers a device for `helperId`.
    package func enroll(_ deviceId: String, helperId: String) async throws {
        try await store.insertDevice(DeviceRecord(deviceId: deviceId, helperId: helperId, label: nil,
                                                  tokenHash: String(repeating: "0", count: 64),
                                                  createdAt: clock.now(), expiresAt: clock.now() + 86_400_000))
    }

    /// Pushes mutations for a device as the service would.
    package func push(_ mutations: [Mutation], device: String, helper: String) async throws -> PushPlan {
        let raw = mutations.map(Self.json)
        return try await pushRaw(raw, device: device, helper: helper)
    }

    /// Pushes raw JSON entries (to include malformed ones) as the service would.
    package func pushRaw(_ raw: [JSONValue], device: String, helper: String) async throws -> PushPlan {
        let entries = raw.map(Mutation.parse)
        let planner = PushPlanner(context: PushContext(deviceId: device, helperId: helper, serverNow: clock.now()),
                                  redactor: TestKeys.redactor)
        let load = PushLoad(deviceId: device, scope: .helper(helper), keys: PushPlanner.keysToLoad(entries),
                            seqs: PushPlanner.sequenceNumbers(entries))
        return try await store.applyPush(load) { snapshot in planner.plan(entries: entries, raw: raw, snapshot: snapshot) }
    }

    /// Follows a device's cursor until `hasMore` is false; returns every page.
    package func pullAll(device: String, scope: ScopeRequest, after: Int64 = 0, maxBytes: Int = 262_144) async throws -> [PullPage] {
        var pages: [PullPage] = []
        var cursor = after
        while true {
            let page = try await store.pull(PullQuery(deviceId: device, scope: scope, after: cursor, maxBytes: maxBytes))
            pages.append(page)
            try require(page.cursor >= cursor, "cursor went backwards: \(cursor) → \(page.cursor)")
            cursor = page.cursor
            if !page.hasMore { return pages }
        }
    }

    /// A `set` of household fields.
    package func setHousehold(_ id: String, seq: Int64, device: String, fields: [String: JSONValue],
                              physical: Int64? = nil) -> Mutation {
        Mutation(seq: seq, collection: "households", recordId: id, op: .set, fields: fields,
                 stamp: HLCTimestamp(physical: physical ?? clock.now(), logical: 0, node: device))
    }

    /// A household visit.
    package func visit(_ id: String, seq: Int64, device: String, household: String) -> Mutation {
        Mutation(seq: seq, collection: "visits", recordId: id, op: .create,
                 fields: ["kind": "household", "householdId": .string(household),
                          "visitedAt": "2026-11-20T09:30:00+08:00", "notes": "入户核实收入"],
                 stamp: HLCTimestamp(physical: clock.now(), logical: 0, node: device))
    }

    static func json(_ mutation: Mutation) -> JSONValue { mutation.jsonValue }
}
