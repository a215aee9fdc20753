import FieldDomain
import Foundation
import Logging
import MingbaiCard
import Synchronization
import SyncEngine
import SyncModel
import SyncService
import SyncStore
import SyncTesting
import Testing

/// The card projection (protocol/cards.md §5.3) over a log of many pages: each household composed once per
/// pass; after compaction forgot tombstones it has not seen, one full pass that ends; and every kind of change
/// that alters what a card prints (a household, a member, a helper's profile, a visit's new measure, a
/// deletion) reaching the reprint list, while a change nothing prints does not.
@Suite struct CardProjectionTests {
    static let operatorPrincipal = Principal.admin(id: SyncService.operatorId, role: .operator, region: "")

    /// A service over the fixture's store whose projection reads pages of 2 KiB (a few records each).
    static func service(_ fixture: ServerFixture) -> SyncService {
        var config = SyncServiceConfig()
        config.cardProjectionPageBytes = 2048
        let random = SeededRandomSource(seed: 5)
        return SyncService(store: fixture.service.store, config: config, now: { fixture.clock.now() },
                           randomBytes: { random.bytes($0) }, auditKey: TestKeys.key, cipher: TestKeys.cipher,
                           cardKeys: TestKeys.cardKeys, logger: Logger(label: "projection"))
    }

    /// Runs a pass, failing (not hanging) if it has not ended within 30 s.
    static func pass(_ service: SyncService) async throws -> Int {
        let result = Mutex<Result<Int, any Error>?>(nil)
        let task = Task {
            let outcome: Result<Int, any Error>
            do { outcome = .success(try await service.refreshCardStates()) } catch { outcome = .failure(error) }
            result.withLock { $0 = outcome }
        }
        for _ in 0..<300 where result.withLock({ $0 == nil }) { try await Task.sleep(for: .milliseconds(100)) }
        guard let outcome = result.withLock({ $0 }) else {
            task.cancel()
            throw ConformanceFailure("a projection pass did not end within 30 s")
        }
        return try outcome.get()
    }

    static func status(_ service: SyncService, _ household: String) async throws -> CardStatus? {
        try await service.store.householdCard(household)?.status
    }

    @Test func aPassOverManyPagesComposesEachHouseholdOnceAndAfterCompactionOneFullPassEnds() async throws {
        let fixture = try await ServerFixture.make()
        let service = Self.service(fixture)
        let households = fixture.store.county.households.map(\.id)
        #expect(try await Self.pass(service) == households.count, "each household composed once")
        #expect(try await service.cardCounts(region: nil, by: Self.operatorPrincipal).missing == households.count)
        #expect(try await Self.pass(service) == 0, "nothing changed, nothing composed")

        let household = fixture.households[0]
        _ = try await service.issueCard(household: household, by: Self.operatorPrincipal)
        #expect(try await Self.status(service, household) == .current)
        // A member is deleted and its tombstone forgotten before the projection reads the log again.
        let member = try #require(fixture.store.county.members.first { $0.scope.householdId == household })
        _ = try await fixture.service.deleteRecord(RecordKey(.members, member.id))
        fixture.clock.advance(by: 3 * 86_400_000)
        let compacted = try await service.compact(horizonDays: 1)
        #expect(compacted.purged >= 1)
        #expect(try await Self.pass(service) == households.count, "after compaction every household is composed again, once")
        #expect(try await Self.status(service, household) == .outdated, "the removed member is on the card")
        #expect(try await Self.pass(service) == 0)
    }

    @Test func everyPrintedChangeReachesTheReprintListAndOthersDoNot() async throws {
        let fixture = try await ServerFixture.make()
        let service = Self.service(fixture)
        let county = fixture.store.county
        // A helper whose unit changes, one of its households, and five households it does not help.
        let helperId = try #require(county.assignments.first?.scope.helperId)
        let helped = Set(county.assignments.filter { $0.scope.helperId == helperId }.compactMap(\.scope.householdId))
        let others = county.households.filter { !helped.contains($0.id) }
        let carded = Array(others.prefix(2)) + [try #require(county.households.first { helped.contains($0.id) })]
            + Array(others.dropFirst(2).prefix(3))
        for household in carded { _ = try await service.issueCard(household: household.id, by: Self.operatorPrincipal) }
        for household in carded { #expect(try await Self.status(service, household.id) == .current) }
        let store = fixture.service.store
        func current(_ key: RecordKey) async throws -> SyncRecord { try #require(try await store.record(key)) }

        // 0: a printed household field; 1: its phone, which is not printed.
        var edited = try await current(RecordKey(.households, carded[0].id))
        edited.fields["incomeWage"] = .int(77_777)
        var phone = try await current(RecordKey(.households, carded[1].id))
        phone.fields["phone"] = .string("13900000000")
        // 2: a helper's unit (printed on every card of its households).
        var helper = try await current(RecordKey(.helpers, helperId))
        helper.fields["unit"] = .string("县乡村振兴局（新）")
        // 3: a visit with a new measure; 4: a visit with none.
        func visit(_ id: String, _ household: SyncRecord, measures: [String]) -> SyncRecord {
            SyncRecord(collection: .visits, id: id, fields: [
                "kind": "household", "householdId": .string(household.id), "visitedAt": "2026-11-20T09:00:00Z",
                "measures": .array(measures.map(JSONValue.string)), "helperId": .string(helperId),
            ], stamps: [:], scope: RecordScope(householdId: household.id, villageCode: household.scope.villageCode))
        }
        try await store.importRecords([edited, phone, helper, visit("v-measure", carded[3], measures: ["光伏收益分红"]),
                                       visit("v-plain", carded[4], measures: [])])
        // 5: the household is deleted.
        _ = try await fixture.service.deleteRecord(RecordKey(.households, carded[5].id))
        _ = try await Self.pass(service)

        #expect(try await Self.status(service, carded[0].id) == .outdated, "a printed field")
        #expect(try await Self.status(service, carded[1].id) == .current, "the household's phone is not printed")
        for household in county.assignments.filter({ $0.scope.helperId == helperId }).compactMap(\.scope.householdId)
        where carded.contains(where: { $0.id == household }) {
            #expect(try await Self.status(service, household) == .outdated, "the helper's unit is printed (\(household))")
        }
        #expect(try await Self.status(service, carded[3].id) == .outdated, "a new measure is printed")
        #expect(try await Self.status(service, carded[4].id) == .current, "a visit without measures prints nothing new")
        #expect(try await Self.status(service, carded[5].id) == nil, "a deleted household leaves the lists")
        let outdated = try await service.householdCards(status: .outdated, region: nil, after: nil, limit: 100,
                                                        by: Self.operatorPrincipal).map(\.householdId)
        #expect(outdated.contains(carded[0].id) && outdated.contains(carded[3].id) && !outdated.contains(carded[5].id))
    }
}
