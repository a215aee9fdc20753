import FieldDomain
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MingbaiCard
import NIOCore
import SyncEngine
import SyncModel
import SyncServer
import SyncService
import SyncStore
import SyncTesting
import Testing

/// Issuing, printing, listing, revoking and verifying 明白卡 through the server's routes (protocol/cards.md §5).
@Suite struct CardIssuanceTests {
    static let operatorPrincipal = Principal.admin(id: SyncService.operatorId, role: .operator, region: "")

    static func issue(_ client: some TestClientProtocol, household: String, headers: HTTPFields, uri: String = "/sync/cards")
        async throws -> (HTTPResponse.Status, CardMessage?, APIErrorBody?)
    {
        let body = ByteBuffer(string: "{\"householdId\":\"\(household)\"}")
        return try await client.execute(uri: uri, method: .post, headers: headers, body: body) { response in
            (response.status, try? response.decode(CardMessage.self), try? response.decode(APIErrorBody.self))
        }
    }

    static func verify(_ client: some TestClientProtocol, _ payload: String, headers: HTTPFields) async throws -> CardVerifyResponse {
        let body = ByteBuffer(data: try JSONEncoder().encode(CardVerifyRequest(payload: payload)))
        return try await client.execute(uri: "/sync/cards/verify", method: .post, headers: headers, body: body) { response in
            #expect(response.status == .ok)
            return try response.decode(CardVerifyResponse.self)
        }
    }

    @Test func aHelperIssuesACardThatVerifiesOfflineAndOnlineAsCurrent() async throws {
        let fixture = try await ServerFixture.make()
        let household = fixture.households[0]
        try await fixture.application().test(.router) { client in
            let (status, card, _) = try await Self.issue(client, household: household, headers: fixture.deviceHeaders)
            #expect(status == .created)
            let issued = try #require(card)
            #expect(issued.householdId == household && issued.issuer == "helper:\(fixture.helperId)" && issued.status == "current")
            #expect(issued.payload.hasPrefix("BF1:") && issued.cardId.count == 24)
            let trust = try await client.execute(uri: "/sync/cards/trust", method: .get, headers: fixture.deviceHeaders) { response in
                try response.decode(CardTrustMessage.self)
            }
            // Offline: the trust list alone says genuine; with the household's state, current.
            let verifier = CardVerifier(trust: CardTrustList(message: trust))
            guard case .genuine(let claims) = verifier.verify(issued.payload, household: { _ in nil }) else {
                Issue.record("the issued payload does not verify against the published keys")
                return
            }
            #expect(claims.cardIdHex == issued.cardId && claims.householdId == household)
            let online = try await Self.verify(client, issued.payload, headers: fixture.deviceHeaders)
            #expect(online.verdict == "current" && online.cardId == issued.cardId && online.newestCardId == nil)
            #expect(online.message == "真实有效，与当前档案一致")
        }
        let entries = try await fixture.service.store.auditRecords(after: 0, limit: 100).map { try $0.entry() }
        let entry = try #require(entries.first { $0.action == .cardIssue })
        #expect(entry.recordId == household && entry.deviceId == fixture.enrollment.deviceId)
    }

    @Test func outOfScopeInvalidAndMalformedRequestsAreRefusedWithStableCodes() async throws {
        let fixture = try await ServerFixture.make()
        let other = try #require(fixture.store.county.households.map(\.id).first { !fixture.households.contains($0) })
        try await fixture.application().test(.router) { client in
            var (status, _, error) = try await Self.issue(client, household: other, headers: fixture.deviceHeaders)
            #expect(status == .forbidden && error?.code == .forbidden)
            (status, _, error) = try await Self.issue(client, household: "12345", headers: fixture.deviceHeaders)
            #expect(status == .badRequest && error?.code == .invalidRequest)
            try await client.execute(uri: "/sync/cards", method: .post, headers: fixture.deviceHeaders,
                                     body: ByteBuffer(string: "{\"householdId\": 12")) { response in
                #expect(response.status == .badRequest)
                let decoded = try response.decode(APIErrorBody.self)
                #expect(decoded.code == .malformedJSON)
            }
            // Anything a scanner hands over gets a verdict, never an error.
            for junk in ["", "BF1:", String(repeating: "Z", count: 5000), "HC1:NCFOXN%TS3DH"] {
                let answer = try await Self.verify(client, junk, headers: fixture.deviceHeaders)
                #expect(answer.verdict == "forged" && answer.reason == "malformed")
            }
            try await client.execute(uri: "/sync/cards/trust", method: .get,
                                     headers: [HTTPField.Name("Bangfu-Protocol")!: String(ProtocolVersion.current)]) { response in
                #expect(response.status == .unauthorized)
            }
        }
    }

    @Test func anEditMakesTheCardOutdatedUntilItIsReissuedAndTheReprintListFollows() async throws {
        let fixture = try await ServerFixture.make()
        let household = fixture.households[0]
        let village = try #require(Scope.village(ofHousehold: household))
        try await fixture.application().test(.router) { client in
            let (_, first, _) = try await Self.issue(client, household: household, headers: fixture.deviceHeaders)
            let card = try #require(first)
            // Every other household of the region has no card yet.
            let missing = try await client.execute(uri: "/admin/v1/cards?status=missing&region=\(village)", method: .get,
                                                   headers: fixture.adminHeaders) { response in
                try response.decode(CardViews.HouseholdPage.self)
            }
            #expect(!missing.households.isEmpty, "the village has households without a card")
            #expect(!missing.households.contains { $0.householdId == household })
            #expect(missing.households.allSatisfy { $0.villageCode.hasPrefix(village) && $0.newestCard == nil })

            let edit: JSONValue = ["seq": 1, "collection": "households", "recordId": .string(household), "op": "set",
                                   "fields": ["incomeWage": 98765], "stamp": fixture.stamp()]
            try await client.execute(uri: "/sync/push", method: .post, headers: fixture.deviceHeaders,
                                     body: try fixture.pushBody([edit])) { response in
                let decoded = try response.decode(PushResponse.self)
                #expect(decoded.results.first?.status == .applied)
            }
            let outdated = try await client.execute(uri: "/admin/v1/cards?status=outdated", method: .get,
                                                    headers: fixture.adminHeaders) { response in
                try response.decode(CardViews.HouseholdPage.self)
            }
            #expect(outdated.households.map(\.householdId) == [household])
            #expect(outdated.households.first?.newestCard?.cardId == card.cardId)
            #expect(try await Self.verify(client, card.payload, headers: fixture.deviceHeaders).verdict == "outdated")
            try await client.execute(uri: "/admin/v1/cards/\(card.cardId)/print", method: .get,
                                     headers: fixture.adminHeaders) { response in
                #expect(response.status == .conflict)
                let decoded = try response.decode(APIErrorBody.self)
                #expect(decoded.code == .cardOutdated)
            }

            let (status, second, _) = try await Self.issue(client, household: household, headers: fixture.adminHeaders,
                                                           uri: "/admin/v1/cards")
            #expect(status == .created && second?.issuer == "admin:\(SyncService.operatorId)")
            let reissued = try #require(second)
            let after = try await client.execute(uri: "/admin/v1/cards?status=outdated", method: .get,
                                                 headers: fixture.adminHeaders) { response in
                try response.decode(CardViews.HouseholdPage.self)
            }
            #expect(after.households.isEmpty)
            let old = try await client.execute(uri: "/admin/v1/cards/\(card.cardId)", method: .get,
                                               headers: fixture.adminHeaders) { response in try response.decode(CardMessage.self) }
            #expect(old.status == "superseded")
            let online = try await Self.verify(client, card.payload, headers: fixture.deviceHeaders)
            #expect(online.verdict == "outdated" && online.newestCardId == reissued.cardId)
            let history = try await client.execute(uri: "/admin/v1/households/\(household)/cards", method: .get,
                                                   headers: fixture.adminHeaders) { response in
                try response.decode(CardViews.CardsPage.self)
            }
            #expect(history.cards.map(\.cardId) == [reissued.cardId, card.cardId])
            let counts = try await client.execute(uri: "/admin/v1/card-counts?region=\(village)", method: .get,
                                                  headers: fixture.adminHeaders) { response in try response.decode(CardCounts.self) }
            #expect(counts.current == 1 && counts.outdated == 0 && counts.missing == missing.households.count)
        }
    }

    @Test func printsComeAsHTMLSVGAndPNGAndOnlyWithinTheCallersRegion() async throws {
        let fixture = try await ServerFixture.make()
        let household = fixture.households[0]
        let village = try #require(Scope.village(ofHousehold: household))
        let otherVillage = try #require(fixture.store.county.households.compactMap { Scope.village(ofHousehold: $0.id) }
            .first { $0 != village })
        let mine = try await fixture.service.createAdmin(name: "本村干部", role: .village, region: village,
                                                         by: Self.operatorPrincipal).token
        let theirs = try await fixture.service.createAdmin(name: "他村干部", role: .village, region: otherVillage,
                                                           by: Self.operatorPrincipal).token
        try await fixture.application().test(.router) { client in
            let (_, issued, _) = try await Self.issue(client, household: household, headers: [.authorization: "Bearer \(mine)"],
                                                      uri: "/admin/v1/cards")
            let card = try #require(issued)
            for (format, type, start) in [("html", "text/html", Array("<!DOCTYPE html>".utf8)),
                                          ("svg", "image/svg+xml", Array("<?xml".utf8)), ("png", "image/png", [0x89, 0x50, 0x4E, 0x47])] {
                try await client.execute(uri: "/admin/v1/cards/\(card.cardId)/print?format=\(format)&paper=a5", method: .get,
                                         headers: [.authorization: "Bearer \(mine)"]) { response in
                    #expect(response.status == .ok, "\(format)")
                    #expect(response.headers[.contentType]?.hasPrefix(type) == true, "\(format)")
                    #expect(response.headers[.cacheControl] == "private, no-store")
                    #expect(Array(response.body.readableBytesView.prefix(start.count)) == start, "\(format)")
                }
            }
            try await client.execute(uri: "/sync/cards/\(card.cardId)/print", method: .get,
                                     headers: fixture.deviceHeaders) { response in
                #expect(response.status == .ok, "the household's helper prints it from the app")
            }
            for uri in ["/admin/v1/cards/\(card.cardId)", "/admin/v1/cards/\(card.cardId)/print",
                        "/admin/v1/households/\(household)/cards"] {
                try await client.execute(uri: uri, method: .get, headers: [.authorization: "Bearer \(theirs)"]) { response in
                    #expect(response.status == .forbidden, "\(uri)")
                }
            }
            try await client.execute(uri: "/admin/v1/cards?region=\(village)", method: .get,
                                     headers: [.authorization: "Bearer \(theirs)"]) { response in
                #expect(response.status == .forbidden)
            }
            for bad in ["format=pdf", "paper=a3", "level=x"] {
                try await client.execute(uri: "/admin/v1/cards/\(card.cardId)/print?\(bad)", method: .get,
                                         headers: [.authorization: "Bearer \(mine)"]) { response in
                    #expect(response.status == .badRequest, "\(bad)")
                }
            }
            for bad in ["status=lost", "limit=0", "after=x.y", "region=32a"] {
                try await client.execute(uri: "/admin/v1/cards?\(bad)", method: .get, headers: fixture.adminHeaders) { response in
                    #expect(response.status == .badRequest, "\(bad)")
                    let decoded = try response.decode(APIErrorBody.self)
                    #expect(decoded.code == .invalidRequest, "\(bad)")
                }
            }
            try await client.execute(uri: "/admin/v1/cards/000000000000000000000000", method: .get,
                                     headers: fixture.adminHeaders) { response in
                #expect(response.status == .notFound)
            }
        }
    }

    @Test func aRevokedCardVerifiesAsRevokedAndCannotBePrinted() async throws {
        let fixture = try await ServerFixture.make()
        let household = fixture.households[0]
        let village = try #require(Scope.village(ofHousehold: household))
        let villageAdmin = try await fixture.service.createAdmin(name: "村干部", role: .village, region: village,
                                                                 by: Self.operatorPrincipal).token
        try await fixture.application().test(.router) { client in
            let (_, issued, _) = try await Self.issue(client, household: household, headers: fixture.deviceHeaders)
            let card = try #require(issued)
            try await client.execute(uri: "/admin/v1/cards/\(card.cardId)/revoke", method: .post,
                                     headers: [.authorization: "Bearer \(villageAdmin)"]) { response in
                #expect(response.status == .forbidden, "only county admins revoke")
            }
            for _ in 0..<2 {
                try await client.execute(uri: "/admin/v1/cards/\(card.cardId)/revoke", method: .post,
                                         headers: fixture.adminHeaders) { response in
                    #expect(response.status == .ok)
                    let decoded = try response.decode(CardMessage.self)
                    #expect(decoded.revokedAt != nil)
                }
            }
            let trust = try await client.execute(uri: "/sync/cards/trust", method: .get, headers: fixture.deviceHeaders) { response in
                try response.decode(CardTrustMessage.self)
            }
            #expect(trust.revocations.map(\.cardIds) == [[card.cardId]] && trust.revocations.first?.counter == 1)
            let offline = CardVerifier(trust: CardTrustList(message: trust)).verify(card.payload) { _ in nil }
            #expect(offline.name == "revoked")
            #expect(try await Self.verify(client, card.payload, headers: fixture.deviceHeaders).verdict == "revoked")
            try await client.execute(uri: "/admin/v1/cards/\(card.cardId)/print", method: .get,
                                     headers: fixture.adminHeaders) { response in
                #expect(response.status == .conflict)
                let decoded = try response.decode(APIErrorBody.self)
                #expect(decoded.code == .cardRevoked)
            }
        }
        let revocations = try await fixture.service.store.auditRecords(after: 0, limit: 100).map { try $0.entry() }
            .filter { $0.action == .cardRevoke }
        #expect(revocations.count == 1, "the repeated revocation wrote no entry")
    }

    /// A household an admin moved to another village: the admins of the village its number names see no such
    /// household (404, not a 403 that would tell it exists), those of its village now issue and read its cards.
    @Test func aMovedHouseholdBelongsToItsNewVillage() async throws {
        let fixture = try await ServerFixture.make()
        let household = fixture.households[0]
        let oldVillage = try #require(Scope.village(ofHousehold: household))
        let newVillage = try #require(fixture.store.county.households.compactMap { $0.scope.villageCode }.first { $0 != oldVillage })
        var record = try #require(try await fixture.service.store.record(RecordKey(.households, household)))
        record.fields["villageCode"] = .string(newVillage)
        record.scope.villageCode = newVillage
        try await fixture.service.store.importRecords([record])
        let before = try await fixture.service.createAdmin(name: "原村干部", role: .village, region: oldVillage,
                                                           by: Self.operatorPrincipal).token
        let after = try await fixture.service.createAdmin(name: "新村干部", role: .village, region: newVillage,
                                                          by: Self.operatorPrincipal).token
        try await fixture.application().test(.router) { client in
            let (refused, _, error) = try await Self.issue(client, household: household, headers: [.authorization: "Bearer \(before)"],
                                                           uri: "/admin/v1/cards")
            #expect(refused == .notFound && error?.code == .notFound)
            let (created, card, _) = try await Self.issue(client, household: household, headers: [.authorization: "Bearer \(after)"],
                                                          uri: "/admin/v1/cards")
            #expect(created == .created && card?.villageCode == newVillage)
            try await client.execute(uri: "/admin/v1/households/\(household)/cards", method: .get,
                                     headers: [.authorization: "Bearer \(before)"]) { response in
                #expect(response.status == .notFound)
            }
        }
    }

    @Test func withoutSigningKeysIssuingAnswersCardKeysUnavailable() async throws {
        let fixture = try await ServerFixture.make()
        let service = SyncService(store: fixture.service.store, now: { fixture.clock.now() }, randomBytes: { _ in [] },
                                  auditKey: TestKeys.key, cipher: TestKeys.cipher, logger: .init(label: "test"))
        let error = await #expect(throws: ServiceError.self) {
            _ = try await service.issueCard(household: fixture.households[0], by: .helper(fixture.helperId))
        }
        #expect(error?.code == .cardKeysUnavailable && ErrorCode.cardKeysUnavailable.httpStatus == 503)
    }
}
