import FieldDomain
import SyncEngine
import SyncModel
import SyncTesting
import Testing

/// The merge rules of DESIGN §3.7 through the pure planner: two devices push against a shared state, in
/// both arrival orders, and the outcome must not depend on the order.
@Suite struct ConflictMergeTests {
    static let householdId = "5223270010010001"
    static let seed = HLCTimestamp(physical: 1, logical: 0, node: "seed")
    let now: Int64 = 1_795_313_100_000

    /// A county of one household at version 10, as both devices last pulled it.
    struct World {
        var records: [RecordKey: SyncRecord]
        var head: Int64
        var lastApplied: [String: Int64] = [:]
        var conflicts: [Conflict] = []
        var results: [String: [MutationResult]] = [:]

        var household: SyncRecord { records[RecordKey(.households, ConflictMergeTests.householdId)]! }
    }

    func world() -> World {
        let fields: [String: JSONValue] = [
            "householdNo": .string(Self.householdId), "villageCode": "522327001001", "headName": "杨光明",
            "address": "旧地址", "status": "lifted", "incomeWage": 12000, "phone": "13800000000",
            "policies.dibao": .object(["amount": 3000]),
        ]
        let household = SyncRecord(
            collection: .households, id: Self.householdId, version: 10, fields: fields,
            stamps: fields.mapValues { _ in Self.seed },
            scope: RecordScope(householdId: Self.householdId, villageCode: "522327001001"))
        return World(records: [RecordKey(.households, Self.householdId): household], head: 10)
    }

    /// One push from `device` of a `set` with `fields`, stamped at `now + offset` ms, from `base`.
    func push(_ world: inout World, device: String, seq: Int64, _ fields: [String: JSONValue], offset: Int64,
              base: Int64? = 10, op: String = "set", recordId: String = householdId,
              collection: String = "households") {
        var raw: [String: JSONValue] = [
            "seq": .int(seq), "collection": .string(collection), "recordId": .string(recordId), "op": .string(op),
            "fields": .object(fields),
            "stamp": .string(HLCTimestamp(physical: now + offset, logical: 0, node: device).wireValue),
        ]
        if let base { raw["baseVersion"] = .int(base) }
        let planner = PushPlanner(context: PushContext(deviceId: device, helperId: "hp-\(device)", serverNow: now + 60_000),
                                  redactor: TestKeys.redactor)
        let snapshot = PushSnapshot(
            lastAppliedSeq: world.lastApplied[device] ?? 0, storedOutcomes: [:],
            records: world.records,
            scope: Scope.households([Self.householdId]))
        let plan = planner.plan(entries: [Mutation.parse(.object(raw))], raw: [.object(raw)], snapshot: snapshot)
        for record in plan.writes { world.records[RecordKey(record.collection, record.id)] = record }
        // One household: the newest version in this world is that record's.
        world.head = plan.writes.map(\.version).max() ?? world.head
        world.lastApplied[device] = plan.lastAppliedSeq
        world.conflicts += plan.conflicts
        world.results[device, default: []] += plan.results
    }

    @Test func concurrentDifferingReviewedWritesOpenOneHardConflictWhateverTheOrder() throws {
        for order in [["a", "b"], ["b", "a"]] {
            var world = world()
            for device in order {
                if device == "a" {
                    push(&world, device: "dev-a", seq: 1, ["status": "notLifted"], offset: 1_000)
                } else {
                    push(&world, device: "dev-b", seq: 1, ["status": "monitored", "monitoringCategory": "marginal"],
                         offset: 2_000)
                }
            }
            let hard = world.conflicts.filter { $0.kind == .hard }
            // status differs; monitoringCategory was written by b only, so it is no conflict.
            #expect(hard.count == 1, "order \(order)")
            let conflict = try #require(hard.first)
            #expect(conflict.field == "status")
            #expect(conflict.status == .open)
            #expect(conflict.baseVersion == 10)
            #expect(Set([conflict.existing.deviceId, conflict.incoming.deviceId]) == ["dev-a", "dev-b"])
            #expect(Set([conflict.existing.value, conflict.incoming.value]) == ["notLifted", "monitored"])
            // The later stamp (b) is kept provisionally, in both orders.
            #expect(world.household.fields["status"] == "monitored")
            #expect(world.household.openConflicts.map(\.id) == [conflict.id])
            let second = order[1] == "a" ? "dev-a" : "dev-b"
            let outcome = try #require(world.results[second]?.first)
            #expect(outcome.status == .conflict)
            #expect(outcome.conflictId == conflict.id)
            #expect(outcome.conflictIds == [conflict.id])
        }
    }

    @Test func equalConcurrentValuesOrSequentialWritesOpenNoConflict() {
        var world = world()
        push(&world, device: "dev-a", seq: 1, ["incomeWage": 15000], offset: 1_000)
        push(&world, device: "dev-b", seq: 1, ["incomeWage": 15000], offset: 2_000)
        #expect(world.conflicts.filter { $0.kind == .hard }.isEmpty)
        // b then edits having seen a's version: sequential, last writer wins, no conflict.
        push(&world, device: "dev-b", seq: 2, ["incomeWage": 18000], offset: 3_000, base: world.head)
        // a edits again from its old base: its own earlier write is not concurrent, but b's is.
        push(&world, device: "dev-a", seq: 2, ["incomeWage": 16000], offset: 4_000)
        let hard = world.conflicts.filter { $0.kind == .hard }
        #expect(hard.count == 1)
        #expect(hard.first?.existing.value == 18000)
        #expect(world.household.fields["incomeWage"] == 16000)
    }

    @Test func aDeviceNeverConflictsWithItsOwnEarlierWrites() {
        var world = world()
        push(&world, device: "dev-a", seq: 1, ["status": "notLifted"], offset: 1_000)
        push(&world, device: "dev-a", seq: 2, ["status": "monitored", "monitoringCategory": "unstable"], offset: 2_000)
        #expect(world.conflicts.isEmpty)
        #expect(world.household.fields["status"] == "monitored")
    }

    @Test func concurrentEditsOfDifferentFieldsMergeAndLogASoftConflict() throws {
        var world = world()
        push(&world, device: "dev-a", seq: 1, ["address": "新地址"], offset: 1_000)
        push(&world, device: "dev-b", seq: 1, ["phone": "13900000000"], offset: 500)
        #expect(world.household.fields["address"] == "新地址")
        #expect(world.household.fields["phone"] == "13900000000")
        let soft = try #require(world.conflicts.first)
        #expect(world.conflicts.count == 1)
        #expect(soft.kind == .soft && soft.status == .logged)
        #expect(soft.fields == ["address"])
        #expect(world.results["dev-b"]?.first?.status == .applied)
        #expect(world.household.openConflicts.isEmpty)
    }

    @Test func concurrentOrdinaryFieldWritesGoToTheLaterStampInEitherOrder() {
        var finals: Set<JSONValue> = []
        for order in [["a", "b"], ["b", "a"]] {
            var world = world()
            for device in order {
                push(&world, device: "dev-\(device)", seq: 1, ["address": .string("地址\(device)")],
                     offset: device == "a" ? 2_000 : 1_000)
            }
            finals.insert(world.household.fields["address"]!)
            #expect(world.conflicts.filter { $0.kind == .hard }.isEmpty)
        }
        #expect(finals == ["地址a"])
    }

    @Test func aConcurrentRemovalNeverTakesAwayAnAddInEitherOrder() {
        for order in [["add", "remove"], ["remove", "add"]] {
            var world = world()
            for step in order {
                if step == "add" {
                    // Older stamp: plain last-writer-wins would lose it.
                    push(&world, device: "dev-a", seq: 1, ["policies.medicalAid": .object(["amount": 800])], offset: 1_000)
                    push(&world, device: "dev-a", seq: 2, ["policies.dibao": .object(["amount": 3600])], offset: 1_100)
                } else {
                    push(&world, device: "dev-b", seq: 1, ["policies.medicalAid": .null], offset: 5_000)
                    push(&world, device: "dev-b", seq: 2, ["policies.dibao": .null], offset: 5_100)
                }
            }
            #expect(world.household.fields["policies.medicalAid"] == .object(["amount": 800]), "order \(order)")
            #expect(world.household.fields["policies.dibao"] == .object(["amount": 3600]), "order \(order)")
        }
        // A removal that had seen the add goes through.
        var world = world()
        push(&world, device: "dev-a", seq: 1, ["policies.medicalAid": .object(["amount": 800])], offset: 1_000)
        push(&world, device: "dev-b", seq: 1, ["policies.medicalAid": .null], offset: 5_000, base: world.head)
        #expect(world.household.fields["policies.medicalAid"] == .null)
    }

    @Test func editingADeletedRecordOpensAConflictInsteadOfResurrectingIt() throws {
        var world = world()
        let tombstone = try ConflictResolver(serverNow: now).delete(world.household)
        world.records[RecordKey(.households, Self.householdId)] = tombstone
        world.head = 11
        push(&world, device: "dev-a", seq: 1, ["address": "新地址"], offset: 1_000)
        #expect(world.household.deleted)
        #expect(world.household.version == 11)
        let conflict = try #require(world.conflicts.first)
        #expect(conflict.kind == .deleted && conflict.status == .open)
        #expect(conflict.incoming.value == .object(["address": "新地址"]))
        #expect(world.results["dev-a"]?.first?.status == .conflict)
        // Restoring it (the admin chose the device's side) brings the edit back with a new version.
        let (restored, settled) = try ConflictResolver(serverNow: now + 120_000).resolve(
            conflict, record: world.household,
            request: .init(choice: .incoming, value: nil, reason: "误删，恢复", resolvedBy: "县管理员"))
        #expect(restored?.deleted == false)
        #expect(restored?.fields["address"] == "新地址")
        #expect(settled.map(\.status) == [.resolved])
    }

    @Test func visitsAreAppendOnly() {
        var world = world()
        push(&world, device: "dev-a", seq: 1, ["notes": "改写"], offset: 1_000, recordId: "0b0e5f6a-1111-4222-8333-944455556666",
             collection: "visits")
        #expect(world.results["dev-a"]?.first?.code == .visitImmutable)
    }

    @Test func resolutionWritesANewerVersionAndClosesTheMarker() throws {
        var world = world()
        push(&world, device: "dev-a", seq: 1, ["status": "notLifted"], offset: 1_000)
        push(&world, device: "dev-b", seq: 1, ["status": "monitored", "monitoringCategory": "marginal"], offset: 2_000)
        let conflict = try #require(world.conflicts.first { $0.kind == .hard })
        let resolver = ConflictResolver(serverNow: now + 120_000)
        let (updated, settled) = try resolver.resolve(
            conflict, record: world.household,
            request: .init(choice: .value, value: "monitored", reason: "入户核实", resolvedBy: nil))
        let record = try #require(updated)
        let resolved = settled[0]
        #expect(record.version == world.head + 1)
        #expect(record.openConflicts.isEmpty)
        #expect(record.stamps["status"]!.node == "admin")
        #expect(record.stamps["status"]! > world.household.stamps["status"]!)
        #expect(resolved.resolution?.version == world.head + 1)
        // Resolving twice is refused with a stable code; so are a missing reason and a bad value.
        #expect(throws: ConflictResolver.Refusal.self) {
            try resolver.resolve(resolved, record: record, request: .init(choice: .existing, value: nil, reason: "x", resolvedBy: nil))
        }
        do {
            _ = try resolver.resolve(conflict, record: world.household,
                                     request: .init(choice: .existing, value: nil, reason: "  ", resolvedBy: nil))
            Issue.record("an empty reason was accepted")
        } catch {
            #expect(error.code == .invalidResolution)
        }
        do {
            _ = try resolver.resolve(conflict, record: world.household,
                                     request: .init(choice: .value, value: "rich", reason: "核实", resolvedBy: nil))
            Issue.record("an invalid status was accepted")
        } catch {
            #expect(error.code == .invalidEnum)
        }
    }

    @Test func aClockYearsAheadIsClampedAndCannotWinLaterMerges() {
        var world = world()
        let twoYears: Int64 = 2 * 365 * 86_400_000
        push(&world, device: "dev-a", seq: 1, ["address": "未来地址"], offset: twoYears)
        #expect(world.household.stamps["address"]!.physical == now + 60_000)
        push(&world, device: "dev-b", seq: 1, ["address": "正确地址"], offset: 120_000, base: world.head)
        #expect(world.household.fields["address"] == "正确地址")
    }

    /// Status and monitoring category must agree after every write, so the fields of one edit are settled
    /// together when the admin picks a side: otherwise neither conflict could be resolved alone.
    @Test func choosingASideSettlesEveryConflictOfTheSameEdit() throws {
        var world = world()
        push(&world, device: "dev-a", seq: 1, ["status": "notLifted"], offset: 1_000)
        push(&world, device: "dev-b", seq: 1, ["status": "monitored", "monitoringCategory": "marginal"], offset: 2_000)
        // Make a's side the one with a category change too: a third field write of a to the category.
        let hard = world.conflicts.filter { $0.kind == .hard }
        #expect(hard.count == 1, "a never wrote the category, so only status conflicts")
        var world2 = self.world()
        push(&world2, device: "dev-a", seq: 1, ["status": "monitored", "monitoringCategory": "unstable"], offset: 1_000)
        push(&world2, device: "dev-b", seq: 1, ["status": "lifted", "monitoringCategory": .null], offset: 2_000)
        let pair = world2.conflicts.filter { $0.kind == .hard }
        #expect(Set(pair.compactMap(\.field)) == ["status", "monitoringCategory"])
        let status = try #require(pair.first { $0.field == "status" })
        let others = pair.filter { $0.id != status.id }
        let resolver = ConflictResolver(serverNow: now + 120_000)
        let (record, settled) = try resolver.resolve(
            status, record: world2.household,
            request: .init(choice: .existing, value: nil, reason: "监测对象，确认", resolvedBy: nil), others: others)
        #expect(settled.count == 2)
        #expect(record?.fields["status"] == "monitored")
        #expect(record?.fields["monitoringCategory"] == "unstable")
        #expect(record?.openConflicts.isEmpty == true)
        // Settling only the status would break the cross-field rule: refused with its code, nothing written.
        do {
            _ = try resolver.resolve(status, record: world2.household,
                                     request: .init(choice: .existing, value: nil, reason: "x", resolvedBy: nil), others: [])
            Issue.record("a resolution that breaks the status/category rule was accepted")
        } catch {
            #expect(error.code == .monitoringCategoryMismatch)
        }
    }

    /// Two helpers disagree whether a household is monitored: the later write would leave a monitoring
    /// category next to "notLifted". It is not refused (that would lose it from the record's history):
    /// the stored values are held provisionally, the conflict holds the device's value, and settling the
    /// status to "notLifted" clears the category.
    @Test func aConcurrentStatusThatWouldBreakTheCategoryRuleIsHeldForReviewNotRefused() throws {
        var world = world()
        push(&world, device: "dev-a", seq: 1, ["status": "monitored", "monitoringCategory": "marginal"], offset: 1_000)
        push(&world, device: "dev-b", seq: 1, ["status": "notLifted"], offset: 2_000)
        let outcome = try #require(world.results["dev-b"]?.first)
        #expect(outcome.status == .conflict)
        #expect(world.household.fields["status"] == "monitored")
        #expect(world.household.fields["monitoringCategory"] == "marginal")
        let conflict = try #require(world.conflicts.first { $0.kind == .hard })
        #expect(conflict.provisional == .existing)
        #expect(conflict.incoming.value == "notLifted")
        let (record, _) = try ConflictResolver(serverNow: now + 120_000).resolve(
            conflict, record: world.household,
            request: .init(choice: .incoming, value: nil, reason: "入户核实：未脱贫，不属于监测对象", resolvedBy: nil))
        #expect(record?.fields["status"] == "notLifted")
        #expect(record?.fields["monitoringCategory"] == .null)
    }

    /// The issue's case: B sets `{monitored, marginal}` offline, A later sets `{notLifted}` alone, both from
    /// the same version. Plain last-writer-wins would pair A's status with B's category, which breaks the
    /// record rule. In either arrival order the write is not refused: exactly one hard conflict opens, on
    /// `status` (A never wrote the category, so it has none of its own), and the record holds the
    /// earlier-stamped status with B's category, the same record in both orders.
    @Test func aLaterStatusAgainstAConcurrentMonitoredEditOpensOneConflictInEitherOrder() throws {
        let a = ["status": JSONValue.string("notLifted")]
        let b: [String: JSONValue] = ["status": "monitored", "monitoringCategory": "marginal"]
        for order in [["a", "b"], ["b", "a"]] {
            var world = world()
            for device in order {
                push(&world, device: "dev-\(device)", seq: 1, device == "a" ? a : b, offset: device == "a" ? 2_000 : 1_000)
            }
            let results = world.results.values.flatMap { $0 }
            #expect(!results.contains { $0.status == .rejected }, "order \(order): \(results)")
            let hard = world.conflicts.filter { $0.kind == .hard }
            #expect(hard.count == 1, "order \(order)")
            let conflict = try #require(hard.first)
            #expect(conflict.field == "status")
            #expect(Set([conflict.existing.value, conflict.incoming.value]) == ["notLifted", "monitored"])
            #expect(conflict.provisional == (order[0] == "b" ? .existing : .incoming), "order \(order)")
            let second = try #require(world.results["dev-\(order[1])"]?.first)
            #expect(second.status == .conflict, "order \(order)")
            #expect(second.conflictIds == [conflict.id])
            #expect(Domain.schema(for: .households).validateRecord(world.household.fields) == nil)
            #expect(world.household.fields["status"] == "monitored", "order \(order)")
            #expect(world.household.fields["monitoringCategory"] == "marginal", "order \(order)")
            #expect(world.household.openConflicts.map(\.id) == [conflict.id])
            // Either side can be chosen: A's clears the category, B's keeps it.
            let resolver = ConflictResolver(serverNow: now + 120_000)
            for side in [Conflict.Side.existing, .incoming] {
                let (record, _) = try resolver.resolve(
                    conflict, record: world.household,
                    request: .init(choice: side, value: nil, reason: "入户核实", resolvedBy: nil))
                let aWins = (side == .existing) == (order[0] == "a")
                #expect(record?.fields["status"] == (aWins ? "notLifted" : "monitored"))
                #expect(record?.fields["monitoringCategory"] == (aWins ? .null : "marginal"))
            }
        }
    }

    /// The same rule when the category is what breaks it: on a monitored household B changes only the
    /// category (later stamp) while A, earlier, ends monitoring with `{notLifted, null}`. The category
    /// conflict keeps A's earlier `null` next to A's status, in both orders, instead of refusing A.
    @Test func aLaterCategoryAgainstAConcurrentEndOfMonitoringOpensOneConflictInEitherOrder() throws {
        let a: [String: JSONValue] = ["status": "notLifted", "monitoringCategory": .null]
        let b: [String: JSONValue] = ["monitoringCategory": "unstable"]
        for order in [["a", "b"], ["b", "a"]] {
            var world = world()
            push(&world, device: "dev-c", seq: 1, ["status": "monitored", "monitoringCategory": "marginal"], offset: 0)
            let base = world.head
            for device in order {
                push(&world, device: "dev-\(device)", seq: 1, device == "a" ? a : b, offset: device == "a" ? 1_000 : 2_000,
                     base: base)
            }
            let results = world.results.values.flatMap { $0 }
            #expect(!results.contains { $0.status == .rejected }, "order \(order): \(results)")
            let hard = world.conflicts.filter { $0.kind == .hard }
            #expect(hard.map(\.field) == ["monitoringCategory"], "order \(order)")
            #expect(world.results["dev-\(order[1])"]?.first?.status == .conflict, "order \(order)")
            #expect(world.household.fields["status"] == "notLifted", "order \(order)")
            #expect(world.household.fields["monitoringCategory"] == .null, "order \(order)")
        }
    }
}
