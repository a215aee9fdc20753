import FieldDomain
import SyncEngine
import SyncModel
import SyncStore

/// What the scope checks need beyond the basic fixture: reassignment and deletion written as the service
/// writes them (`SyncService+Assignments`, `SyncService.deleteRecord`), pushes as any principal, and the
/// store's own view of a household's records to compare pulls against.
extension StoreFixture {
    /// Pairs `household` with `helper`, as `bangfu-admin assign` does: a new assignment record.
    @discardableResult
    package func assign(_ household: String, to helper: String) async throws -> SyncRecord {
        let stamp = HLCTimestamp(physical: clock.now(), logical: 0, node: ConflictResolver.adminNode)
        let fields: [String: JSONValue] = [
            "helperId": .string(helper), "householdId": .string(household),
            "startedAt": .string(ISOTimestamp.format(milliseconds: clock.now())),
        ]
        var assignment = CountyGenerator.seedRecord(.assignments, "\(helper):\(household)", fields)
        assignment.stamps = fields.mapValues { _ in stamp }
        try await store.importRecords([assignment])
        guard let stored = try await store.record(RecordKey(.assignments, assignment.id)) else {
            throw ConformanceFailure("assignment \(assignment.id) not stored")
        }
        return stored
    }

    /// Ends `helper`'s assignment of `household` now (by the fixture clock): the assignment's tombstone,
    /// stamped when the departure takes effect.
    @discardableResult
    package func endAssignment(_ household: String, of helper: String) async throws -> SyncRecord {
        let stamp = HLCTimestamp(physical: clock.now(), logical: 0, node: ConflictResolver.adminNode)
        let now = clock.now()
        let audit: @Sendable (SyncRecord, SyncRecord) -> [AuditEntry] = { before, after in
            [.recordWrite(.assignmentEnd, before: before, after: after, actor: "operator", at: now,
                          redactor: TestKeys.redactor)]
        }
        return try await store.updateRecord(RecordKey(.assignments, "\(helper):\(household)"), audit: audit) { current in
            var tombstone = current
            tombstone.materializeFieldVersions()
            tombstone.deleted = true
            tombstone.stamps[ScopeRules.deletedMarkerField] = stamp
            return tombstone
        }
    }

    /// Deletes a household or member as an admin does (a tombstone).
    @discardableResult
    package func delete(_ key: RecordKey) async throws -> SyncRecord {
        let resolver = ConflictResolver(serverNow: clock.now())
        let now = clock.now()
        let audit: @Sendable (SyncRecord, SyncRecord) -> [AuditEntry] = { before, after in
            [.recordWrite(.recordDelete, before: before, after: after, actor: "operator", at: now,
                          redactor: TestKeys.redactor)]
        }
        return try await store.updateRecord(key, audit: audit) { record in try resolver.delete(record) }
    }

    /// Pushes mutations for a device acting as `principal` (a helper or an admin's phone), as the service
    /// would.
    package func push(_ mutations: [Mutation], device: String, principal: Principal) async throws -> PushPlan {
        let raw = mutations.map(Self.json)
        let entries = raw.map(Mutation.parse)
        let planner = PushPlanner(context: PushContext(deviceId: device, helperId: principal.id, serverNow: clock.now()),
                                  redactor: TestKeys.redactor)
        let load = PushLoad(deviceId: device, scope: .principal(principal), keys: PushPlanner.keysToLoad(entries),
                            seqs: PushPlanner.sequenceNumbers(entries))
        return try await store.applyPush(load) { snapshot in planner.plan(entries: entries, raw: raw, snapshot: snapshot) }
    }

    /// Every record the store holds (live and tombstones), by key, read through a pull of everything.
    package func everything() async throws -> [RecordKey: SyncRecord] {
        let records = try await pullAll(device: "conformance-reader", scope: .all).flatMap(\.records)
        return Dictionary(records.map { (RecordKey($0.collection, $0.id), $0) }, uniquingKeysWith: { $1 })
    }

    /// The keys of every record the store holds for `household` (the household, its members, visits and
    /// assignments, tombstones included).
    package func keys(ofHousehold household: String) async throws -> Set<RecordKey> {
        Set(try await everything().filter { $0.value.scope.householdId == household }.keys)
    }

    /// A household of `helper` with at least `members` members in the seeded county.
    package func household(of households: [String], withMembers members: Int) throws -> String {
        let counts = Dictionary(county.members.compactMap(\.scope.householdId).map { ($0, 1) }, uniquingKeysWith: +)
        guard let match = households.first(where: { counts[$0, default: 0] >= members }) else {
            throw ConformanceFailure("no household with \(members) members among \(households.count)")
        }
        return match
    }

    /// The last cursor of a device that follows its pulls to the end.
    package func cursor(device: String, scope: ScopeRequest, after: Int64 = 0) async throws -> Int64 {
        try await pullAll(device: device, scope: scope, after: after).last?.cursor ?? after
    }
}
