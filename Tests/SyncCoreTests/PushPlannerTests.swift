import FieldDomain
import SyncEngine
import SyncModel
import SyncTesting
import Testing

/// The push rules as a pure function: sequence handling, scope, merges and the skew clamp.
@Suite struct PushPlannerTests {
    let household = SyncRecord(
        collection: .households, id: "5223270010010001", version: 10,
        fields: ["householdNo": "5223270010010001", "villageCode": "522327001001", "address": "旧地址",
                 "headName": "杨光明", "status": "lifted"],
        stamps: ["householdNo": HLCTimestamp(physical: 1, logical: 0, node: "seed"),
                 "villageCode": HLCTimestamp(physical: 1, logical: 0, node: "seed"),
                 "address": HLCTimestamp(physical: 1, logical: 0, node: "seed"),
                 "headName": HLCTimestamp(physical: 1, logical: 0, node: "seed"),
                 "status": HLCTimestamp(physical: 1, logical: 0, node: "seed")],
        scope: RecordScope(householdId: "5223270010010001", villageCode: "522327001001"))

    var snapshot: PushSnapshot {
        PushSnapshot(lastAppliedSeq: 0, storedOutcomes: [:],
                     records: [RecordKey(.households, household.id): household],
                     scope: Scope.households([household.id]))
    }

    let now: Int64 = 1_795_313_100_000

    func planner() -> PushPlanner {
        PushPlanner(context: PushContext(deviceId: "dev-a", helperId: "hp1", serverNow: now),
                    redactor: TestKeys.redactor)
    }

    func set(_ seq: Int64, _ fields: [String: JSONValue], physical: Int64? = nil) -> JSONValue {
        .object(["seq": .int(seq), "collection": "households", "recordId": .string(household.id), "op": "set",
                 "fields": .object(fields),
                 "stamp": .string(HLCTimestamp(physical: physical ?? now, logical: 0, node: "dev-a").wireValue)])
    }

    func plan(_ raw: [JSONValue], snapshot: PushSnapshot? = nil) -> PushPlan {
        planner().plan(entries: raw.map(Mutation.parse), raw: raw, snapshot: snapshot ?? self.snapshot)
    }

    @Test func appliedWriteGetsTheNextVersionAndAdvancesTheSequence() {
        let result = plan([set(1, ["address": "新地址"])])
        #expect(result.results == [.applied(seq: 1, version: 11)])
        #expect(result.lastAppliedSeq == 1 && result.writes.first?.version == 11)
        #expect(result.writes.first?.fields["address"] == "新地址")
        #expect(result.writes.first?.stamps["address"]?.node == "dev-a")
    }

    @Test func replayReturnsTheStoredOutcomeAndWritesNothing() {
        var replaySnapshot = snapshot
        replaySnapshot.lastAppliedSeq = 1
        replaySnapshot.storedOutcomes = [1: .applied(seq: 1, version: 11)]
        let result = plan([set(1, ["address": "新地址"])], snapshot: replaySnapshot)
        #expect(result.writes.isEmpty && result.newOutcomes.isEmpty)
        #expect(result.results.first?.replayed == true && result.results.first?.version == 11)
    }

    @Test func gapStopsProcessingAndNamesTheExpectedNumber() {
        let result = plan([set(2, ["address": "x"]), set(3, ["address": "y"])])
        #expect(result.expectedSeq == 1)
        #expect(result.results.isEmpty && result.writes.isEmpty && result.lastAppliedSeq == 0)
    }

    @Test func duplicateSequenceInOneBatchIsAReplayOfTheFirst() {
        let result = plan([set(1, ["address": "甲"]), set(1, ["address": "乙"])])
        #expect(result.results.count == 2)
        #expect(result.results[1].replayed == true && result.results[1].version == result.results[0].version)
        #expect(result.writes.first?.fields["address"] == "甲")
    }

    @Test func serverOwnedFieldIsRejectedButTheSequenceAdvances() {
        let result = plan([set(1, ["villageCode": "522327001002"]), set(2, ["address": "新地址"])])
        #expect(result.results.map(\.status) == [.rejected, .applied])
        #expect(result.results[0].code == .readOnlyField)
        #expect(result.rejections.count == 1 && result.lastAppliedSeq == 2)
    }

    @Test func olderStampLosesAndLeavesTheVersionAlone() {
        var newer = snapshot
        var record = household
        record.stamps["address"] = HLCTimestamp(physical: now, logical: 0, node: "dev-b")
        newer.records[RecordKey(.households, household.id)] = record
        let result = plan([set(1, ["address": "旧的"], physical: now - 1000)], snapshot: newer)
        #expect(result.results == [.applied(seq: 1, version: 10)])
        #expect(result.writes.isEmpty)
    }

    @Test func futureStampIsClampedSoItCannotWinLaterMerges() throws {
        let yearsAhead = now + 5 * 365 * 86_400_000
        let result = plan([set(1, ["address": "未来"], physical: yearsAhead)])
        #expect(result.clockSkewClamped)
        #expect(result.writes.first?.stamps["address"]?.physical == now)
        try #require(result.writes.count == 1)
        // A write made a minute later by an honest device still wins.
        var after = snapshot
        after.records[RecordKey(.households, household.id)] = result.writes[0]
        after.lastAppliedSeq = 1
        let honest = PushPlanner(context: PushContext(deviceId: "dev-a", helperId: "hp1", serverNow: now + 60_000),
                                 redactor: TestKeys.redactor)
        let raw = [set(2, ["address": "现在"], physical: now + 60_000)]
        let next = honest.plan(entries: raw.map(Mutation.parse), raw: raw, snapshot: after)
        #expect(next.writes.first?.fields["address"] == "现在")
    }

    @Test func visitsAreAppendOnly() {
        let raw: [JSONValue] = [.object(["seq": 1, "collection": "visits", "recordId": "v1", "op": "set",
                                         "fields": ["notes": "改"],
                                         "stamp": .string(HLCTimestamp(physical: now, logical: 0, node: "dev-a").wireValue)])]
        #expect(plan(raw).results.first?.code == .visitImmutable)
    }

    @Test func householdVisitTakesTheVillageAndHelperFromTheServer() {
        let raw: [JSONValue] = [.object(["seq": 1, "collection": "visits", "recordId": "v1", "op": "create",
                                         "fields": ["kind": "household", "householdId": .string(household.id),
                                                    "visitedAt": "2026-11-20T09:30:00+08:00"],
                                         "stamp": .string(HLCTimestamp(physical: now, logical: 0, node: "dev-a").wireValue)])]
        let result = plan(raw)
        #expect(result.results.first?.status == .applied)
        let visit = result.writes.first
        #expect(visit?.fields["villageCode"] == "522327001001")
        #expect(visit?.fields["helperId"] == "hp1" && visit?.fields["deviceId"] == "dev-a")
        #expect(visit?.scope == RecordScope(householdId: household.id, villageCode: "522327001001", helperId: "hp1"))
    }

    @Test func stampFromAnotherNodeIsRejected() {
        let raw: [JSONValue] = [.object(["seq": 1, "collection": "households", "recordId": .string(household.id),
                                         "op": "set", "fields": ["address": "x"],
                                         "stamp": .string(HLCTimestamp(physical: now, logical: 0, node: "dev-z").wireValue)])]
        #expect(plan(raw).results.first?.code == .invalidStamp)
    }
}
