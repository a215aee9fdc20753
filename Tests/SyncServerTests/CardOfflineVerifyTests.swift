import Crypto
import FieldDomain
import Foundation
import Logging
import MingbaiCard
import SyncClient
import SyncModel
import SyncService
import SyncStore
import SyncTesting
import Testing

/// The app's offline card check (`SyncClient.verifyCard`) against the real service in process: a card the
/// server composed from its records (ID numbers whole, masked by the composition) verifies as current on a
/// helper's phone that holds them masked; an edit on the phone makes it outdated at once; a household the
/// phone does not hold is genuine only; a tampered payload is forged.
@Suite struct CardOfflineVerifyTests {
    @Test func aHelperPhoneTellsCurrentOutdatedGenuineAndForged() async throws {
        let fixture = try await ServerFixture.make()
        let store = fixture.service.store
        func serverContent(_ householdId: String) async throws -> JSONValue {
            let household = try #require(try await store.record(RecordKey(.households, householdId)))
            var members: [String: [String: JSONValue]] = [:]
            for member in fixture.store.county.members where member.scope.householdId == householdId {
                members[member.id] = try await store.record(RecordKey(.members, member.id))?.fields
            }
            var helpers: [String: [String: JSONValue]] = [:]
            for assignment in fixture.store.county.assignments where assignment.scope.householdId == householdId {
                let helperId = try #require(assignment.scope.helperId)
                helpers[helperId] = try await store.record(RecordKey(.helpers, helperId))?.fields
            }
            return CardContent.compose(householdId: householdId, household: household.fields, members: members, helpers: helpers,
                                       visits: [:])
        }
        let signer = try CardSigner(privateKey: Array(SHA256.hash(data: Array("bangfu offline verify test".utf8))))
        func card(_ householdId: String, _ number: UInt8) async throws -> String {
            try signer.sign(CardClaims(keyId: [], cardId: [UInt8](repeating: number, count: 12), householdId: householdId,
                                       householdRevision: 1, issuedAt: fixture.clock.now() / 1000,
                                       contentHash: CardContent.hash(try await serverContent(householdId))))
        }
        let trust = CardTrustList(keys: [CardSignerKey(publicKey: signer.publicKey, validFrom: 0)], asOf: fixture.clock.now() / 1000)
        let own = fixture.households[0]
        let other = try #require(fixture.store.county.households.first { !fixture.households.contains($0.id) }?.id)
        let ownCard = try await card(own, 1)
        let otherCard = try await card(other, 2)

        let phone = ScopeRouteTests.client(fixture, fixture.enrollment)
        try await phone.sync()
        let members = try await phone.members(of: own)
        #expect(members.allSatisfy { $0.fields["idNumber"]?.stringValue?.contains("*") ?? true }, "the phone holds masks")
        guard case .current = try await phone.verifyCard(ownCard, trust: trust) else { Issue.record("own card not current"); return }
        guard case .genuine = try await phone.verifyCard(otherCard, trust: trust) else { Issue.record("other household"); return }
        // The last three characters replaced: the signature's last bytes change (or the group no longer decodes).
        let tampered = try await phone.verifyCard(String(ownCard.dropLast(3)) + "AAA", trust: trust)
        #expect(tampered == .forged(.badSignature) || tampered == .forged(.malformed), "\(tampered)")

        // The helper corrects the household's wage income: the card on the wall is now outdated, offline at
        // once and after the sync alike.
        try await phone.updateHousehold(id: own, fields: ["incomeWage": .int(31_000)])
        guard case .outdated = try await phone.verifyCard(ownCard, trust: trust) else { Issue.record("edit pending"); return }
        try await phone.sync()
        guard case .outdated = try await phone.verifyCard(ownCard, trust: trust) else { Issue.record("edit synced"); return }
        // A card issued after the edit is current again.
        let reissued = try await card(own, 3)
        guard case .current = try await phone.verifyCard(reissued, trust: trust) else { Issue.record("reissued"); return }
    }

    /// The app asks the server for a card, keeps the trust list in its SQLite store, and with no signal (the
    /// store reopened, the transport gone) still verifies the card, saying the list's date; before any
    /// fetch it has nothing to verify against.
    @Test func theTrustListKeptOnThePhoneVerifiesWithoutSignalAndSaysItsDate() async throws {
        let fixture = try await ServerFixture.make()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bangfu-trust-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("phone.sqlite").path
        let phone = ScopeRouteTests.client(fixture, fixture.enrollment, store: try SQLiteLocalStore(path: path))
        try await phone.sync()
        let card = try await phone.requestCard(household: fixture.households[0])
        #expect(try await phone.verifyCard(card.payload) == nil, "no trust list fetched yet")
        let trust = try await phone.refreshCardTrust()
        #expect(trust.keys.count == 1 && trust.asOf == fixture.clock.now() / 1000)

        // Later, offline: the same store reopened behind a transport that cannot reach anything.
        let offline = SyncClient(deviceId: fixture.enrollment.deviceId, store: try SQLiteLocalStore(path: path),
                                 transport: FaultyTransport(base: InProcessTransport(service: fixture.service, token: "x"),
                                                            faults: .init(dropRequest: 1, dropResponse: 0, duplicate: 0), seed: 1),
                                 clock: { fixture.clock.now() }, random: SplitMix64(seed: 8), logger: Logger(label: "offline"))
        let checked = try #require(try await offline.verifyCard(card.payload))
        guard case .current = checked.verdict else {
            Issue.record("the card is not current offline: \(checked.verdict)")
            return
        }
        #expect(checked.asOf == trust.asOf)
        #expect(checked.message.hasPrefix("真实有效") && checked.message.contains("离线核验") && checked.message.contains("截至 2026-"),
                "\(checked.message)")
        await #expect(throws: (any Error).self) { _ = try await offline.verifyCardOnline(card.payload) }
    }
}
