import SyncEngine
import SyncModel
import SyncStore

/// The 明白卡 ledger (`CardLedger`): cards stay on record, the newest is the last issued, projected states
/// never go back to an older computation, status and listings follow the two hashes, revocations count.
extension StoreConformance {
    static let cardChecks: [String: Check] = [
        "cardsStayOnRecordAndTheNewestDecidesTheStatus": cardsStayOnRecordAndTheNewestDecidesTheStatus,
        "cardStatesNeverGoBackToAnOlderProjection": cardStatesNeverGoBackToAnOlderProjection,
        "cardListingsFilterByStatusAndRegionAndPage": cardListingsFilterByStatusAndRegionAndPage,
        "cardRevocationsCountOncePerCardWithTheirAuditEntries": cardRevocationsCountOncePerCard,
    ]

    static let villageA = "320102001001", villageB = "320102001002", villageC = "320103001001"

    static func card(_ number: Int, household: String, village: String = villageA, hash: String,
                     key: String = "00112233445566ff") -> IssuedCard {
        IssuedCard(cardId: String(repeating: "0", count: 24 - String(number).count) + String(number), householdId: household,
                   villageCode: village, keyId: key, householdRevision: 3, issuedAt: 1_790_000_000 + Int64(number),
                   contentHash: hash, issuer: "admin:county-1", payload: "BF1:TEST\(number)")
    }

    static func hash(_ letter: Character) -> String { String(repeating: letter, count: 32) }

    static func cardsStayOnRecordAndTheNewestDecidesTheStatus(_ makeStore: @Sendable () async throws -> any SyncStore) async throws {
        let fixture = try await StoreFixture.make(try await makeStore())
        let store = fixture.store
        let household = villageA + "0001"
        try require(try await store.householdCard(household) == nil, "a state before any card or projection")
        let first = card(1, household: household, hash: hash("a"))
        try await store.insertCard(first, audit: [AuditEntry(action: .cardIssue, at: 1, actor: "operator",
                                                             collection: "households", recordId: household)])
        // A card composed from the records stands for the household's state until the projection says more.
        var state = try await store.householdCard(household)
        try require(state?.status == .current && state?.newest == first && state?.contentHash == hash("a"),
                    "after the first card: \(String(describing: state))")
        try require(try await store.card(id: first.cardId) == first, "the card reads back as issued")
        try require(try await store.card(id: "ffffffffffffffffffffffff") == nil, "an unknown card")

        let second = card(2, household: household, hash: hash("b"))
        try await store.insertCard(second, audit: [])
        state = try await store.householdCard(household)
        try require(state?.newest == second && state?.status == .outdated,
                    "the newest card prints b, the projected state is a: \(String(describing: state))")
        try require(try await store.cards(ofHousehold: household, limit: 10) == [second, first], "newest first, both kept")
        try require(try await store.cards(ofHousehold: household, limit: 1) == [second], "limit")
        try await store.updateCardStates([HouseholdCardState(householdId: household, villageCode: villageA,
                                                             contentHash: hash("b"), revision: 4)], through: 10, advance: true)
        state = try await store.householdCard(household)
        try require(state?.status == .current && state?.revision == 4, "projected b: \(String(describing: state))")
        // Issuing an older-looking card after a newer one: the one stored last is the newest.
        let third = card(0, household: household, hash: hash("b"))
        try await store.insertCard(third, audit: [])
        try require(try await store.householdCard(household)?.newest == third, "the card stored last is the newest")
        let (records, failure) = try await fixture.auditLog(atLeast: 1)
        try require(failure == nil && records.count == 1, "one issue entry: \(records.count), \(String(describing: failure))")
        try require(try records[0].entry().action == .cardIssue, "the entry is the issue")
    }

    static func cardStatesNeverGoBackToAnOlderProjection(_ makeStore: @Sendable () async throws -> any SyncStore) async throws {
        let fixture = try await StoreFixture.make(try await makeStore())
        let store = fixture.store
        let household = villageA + "0002"
        try require(try await store.cardProjectionPosition() == 0, "projection starts at 0")
        try await store.updateCardStates([HouseholdCardState(householdId: household, villageCode: villageA,
                                                             contentHash: hash("c"), revision: 2)], through: 20, advance: true)
        try require(try await store.householdCard(household)?.status == .missing, "a projected household without a card")
        try await store.updateCardStates([HouseholdCardState(householdId: household, villageCode: villageA,
                                                             contentHash: hash("d"), revision: 1)], through: 15, advance: true)
        try require(try await store.householdCard(household)?.contentHash == hash("c"),
                    "a state computed through 15 replaced one computed through 20")
        try require(try await store.cardProjectionPosition() == 20, "the projection position went down")
        try await store.updateCardStates([HouseholdCardState(householdId: household, villageCode: villageB,
                                                             contentHash: hash("e"), revision: 3)], through: 20, advance: true)
        let moved = try await store.householdCard(household)
        try require(moved?.contentHash == hash("e") && moved?.villageCode == villageB, "the same position replaces")
        try await store.insertCard(card(7, household: household, village: villageB, hash: hash("e")), audit: [])
        try require(try await store.householdCard(household)?.status == .current, "a card of the projected content")
        try await store.updateCardStates([HouseholdCardState(householdId: household, villageCode: villageB,
                                                             contentHash: nil, revision: 4)], through: 10, advance: true)
        try require(try await store.householdCard(household) != nil, "an older deletion removed a newer state")
        try await store.updateCardStates([HouseholdCardState(householdId: household, villageCode: villageB,
                                                             contentHash: nil, revision: 4)], through: 30, advance: true)
        try require(try await store.householdCard(household) == nil, "a deleted household keeps a state")
        try require(try await store.cards(ofHousehold: household, limit: 5).count == 1, "its card stays on record")
        try require(try await store.cardProjectionPosition() == 30, "projection position")
        try require(try await store.cardCounts(regionPrefix: villageB) == CardCounts(), "a deleted household is counted")
        // The deletion keeps its position: an older computation does not bring the household back, nor does
        // a card issued from records read before the deletion; a newer computation does (it was restored).
        try await store.updateCardStates([HouseholdCardState(householdId: household, villageCode: villageB,
                                                             contentHash: hash("e"), revision: 3)], through: 25, advance: false)
        try require(try await store.householdCard(household) == nil, "a computation older than the deletion revived it")
        let late = card(8, household: household, village: villageB, hash: hash("f"))
        try await store.insertCard(late, audit: [])
        try require(try await store.householdCard(household) == nil, "a card issued after the deletion revived it")
        let listedCurrent = try await store.householdCards(HouseholdCardQuery(status: .current, regionPrefix: villageB, limit: 5))
        let listedOutdated = try await store.householdCards(HouseholdCardQuery(status: .outdated, regionPrefix: villageB, limit: 5))
        try require(listedCurrent.isEmpty && listedOutdated.isEmpty, "a deleted household is listed")
        try require(try await store.cardProjectionPosition() == 30, "a write without advance moved the position")
        try await store.updateCardStates([HouseholdCardState(householdId: household, villageCode: villageB,
                                                             contentHash: hash("f"), revision: 5)], through: 40, advance: false)
        let restored = try await store.householdCard(household)
        try require(restored?.status == .current && restored?.newest == late,
                    "restored: the newest card is the one issued last: \(String(describing: restored))")
        try require(try await store.cardProjectionPosition() == 30, "a write without advance moved the position")
    }

    static func cardListingsFilterByStatusAndRegionAndPage(_ makeStore: @Sendable () async throws -> any SyncStore) async throws {
        let fixture = try await StoreFixture.make(try await makeStore())
        let store = fixture.store
        // Village A: five households, 1 and 3 outdated, 2 and 4 current, 5 without a card; village B: one
        // outdated; another town's village C: one outdated.
        var states: [HouseholdCardState] = []
        for (village, numbers) in [(villageA, 1...5), (villageB, 1...1), (villageC, 1...1)] {
            for number in numbers {
                states.append(HouseholdCardState(householdId: village + "000\(number)", villageCode: village,
                                                 contentHash: hash("n"), revision: 1))
            }
        }
        try await store.updateCardStates(states, through: 5, advance: true)
        var serial = 100
        for (household, printed) in [(villageA + "0001", "o"), (villageA + "0002", "n"), (villageA + "0003", "o"),
                                     (villageA + "0004", "n"), (villageB + "0001", "o"), (villageC + "0001", "o")] {
            serial += 1
            let village = String(household.prefix(12))
            try await store.insertCard(card(serial, household: household, village: village, hash: hash(Character(printed))),
                                       audit: [])
        }
        func ids(_ status: CardStatus, _ prefix: String, after: (String, String)? = nil, limit: Int = 100) async throws -> [String] {
            try await store.householdCards(HouseholdCardQuery(status: status, regionPrefix: prefix,
                                                              after: after.map { (village: $0.0, household: $0.1) },
                                                              limit: limit)).map(\.householdId)
        }
        let town = try await ids(.outdated, "320102")
        try require(town == [villageA + "0001", villageA + "0003", villageB + "0001"], "outdated in town 320102: \(town)")
        try require(try await ids(.outdated, villageA) == [villageA + "0001", villageA + "0003"], "outdated in village A")
        try require(try await ids(.outdated, "") .count == 4, "outdated everywhere")
        try require(try await ids(.current, "3201") == [villageA + "0002", villageA + "0004"], "current")
        try require(try await ids(.missing, "3201") == [villageA + "0005"], "without a card")
        let page1 = try await ids(.outdated, "3201", limit: 2)
        let page2 = try await ids(.outdated, "3201", after: (villageA, page1.last!), limit: 2)
        let page3 = try await ids(.outdated, "3201", after: (String(page2.last!.prefix(12)), page2.last!), limit: 2)
        try require(page1 + page2 == [villageA + "0001", villageA + "0003", villageB + "0001", villageC + "0001"],
                    "keyset pages: \(page1) \(page2)")
        try require(page3.isEmpty, "past the end: \(page3)")
        let listed = try await store.householdCards(HouseholdCardQuery(status: .outdated, regionPrefix: villageA, limit: 1))
        try require(listed.first?.newest?.contentHash == hash("o") && listed.first?.contentHash == hash("n"),
                    "a listed household carries its newest card and its state: \(listed)")
        let counts = try await store.cardCounts(regionPrefix: "320102")
        try require(counts == CardCounts(missing: 1, current: 2, outdated: 3), "counts: \(counts)")
        try require(try await store.cardCounts(regionPrefix: "9") == CardCounts(), "an empty region")
    }

    static func cardRevocationsCountOncePerCard(_ makeStore: @Sendable () async throws -> any SyncStore) async throws {
        let fixture = try await StoreFixture.make(try await makeStore())
        let store = fixture.store
        let household = villageA + "0009"
        let keyA = "aaaaaaaaaaaaaaaa", keyB = "bbbbbbbbbbbbbbbb"
        let first = card(11, household: household, hash: hash("a"), key: keyA)
        let second = card(12, household: household, hash: hash("a"), key: keyA)
        let third = card(13, household: household, hash: hash("a"), key: keyB)
        for issued in [first, second, third] { try await store.insertCard(issued, audit: []) }
        try require(try await store.cardRevocations().isEmpty, "no revocations yet")
        func entry(_ id: String) -> [AuditEntry] {
            [AuditEntry(action: .cardRevoke, at: 5, actor: "operator", detail: ["card": .string(id)])]
        }
        let revoked = try await store.revokeCard(id: second.cardId, at: 1_790_000_500, audit: entry(second.cardId))
        try require(revoked?.revokedAt == 1_790_000_500, "revoked: \(String(describing: revoked))")
        try require(try await store.householdCard(household)?.status == .current, "revoking an older card changed the status")
        let again = try await store.revokeCard(id: second.cardId, at: 1_790_000_900, audit: entry(second.cardId))
        try require(again?.revokedAt == 1_790_000_500, "a second revocation changed the time")
        try require(try await store.revokeCard(id: "ffffffffffffffffffffffff", at: 1, audit: entry("f")) == nil, "unknown card")
        _ = try await store.revokeCard(id: first.cardId, at: 1_790_000_600, audit: entry(first.cardId))
        _ = try await store.revokeCard(id: third.cardId, at: 1_790_000_700, audit: entry(third.cardId))
        // The newest card revoked: the household has no valid card, and is listed among those without one.
        try require(try await store.householdCard(household)?.status == .missing, "a revoked newest card still counts")
        try require(try await store.householdCards(HouseholdCardQuery(status: .missing, regionPrefix: villageA, limit: 10))
            .map(\.householdId) == [household], "the household is not listed as missing a card")
        try await store.updateCardStates([HouseholdCardState(householdId: household, villageCode: villageA,
                                                             contentHash: hash("z"), revision: 9)], through: 50, advance: true)
        try require(try await store.householdCard(household)?.status == .missing, "a projection revived a revoked card")
        let lists = try await store.cardRevocations()
        try require(lists == [CardRevocations(keyId: keyA, counter: 2, cardIds: [first.cardId, second.cardId].sorted()),
                              CardRevocations(keyId: keyB, counter: 1, cardIds: [third.cardId])],
                    "revocation lists: \(lists)")
        try require(try await store.card(id: first.cardId)?.revokedAt == 1_790_000_600, "revocation stored")
        let (records, failure) = try await fixture.auditLog(atLeast: 3)
        try require(failure == nil && records.count == 3,
                    "one entry per revocation that changed something: \(records.count), \(String(describing: failure))")
    }
}
