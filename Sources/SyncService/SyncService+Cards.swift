import FieldDomain
import MingbaiCard
import SyncEngine
import SyncModel
import SyncStore

/// 明白卡 issuance, printing, listing, revocation and online verification (protocol/cards.md §5). Cards are
/// issued for the household's current records, by a helper assigned to it (from the app) or an admin whose
/// region holds it; printing re-composes the content and refuses a card that no longer matches; the reprint
/// lists read the projected states (`SyncService+CardProjection`).
extension SyncService {
    /// A card with what it prints and its claims.
    package struct PrintableCard: Sendable {
        package var card: IssuedCard
        package var content: JSONValue
        package var claims: CardClaims
    }

    /// Issues a card for household `id`'s current records.
    package func issueCard(household id: String, by caller: Principal, deviceId: String? = nil) async throws -> PrintableCard {
        // Checked before anything is composed, against the village the records say now (an admin may have
        // moved the household); for an unknown household the number's village decides 403 or 404.
        try await authorizeCard(household: id, village: try await currentVillage(of: id), caller)
        let keys = try cardKeys.current()
        guard let composed = try await cardContents(of: [id])[id] else {
            throw ServiceError(.notFound, "户不存在或已注销 (no such household)")
        }
        let contentHash = CardContent.hash(composed.content)
        let claims = CardClaims(keyId: keys.signer.keyId, cardId: randomBytes(12), householdId: id,
                                householdRevision: composed.revision, issuedAt: now() / 1000, contentHash: contentHash)
        let payload = try keys.signer.sign(claims)
        let card = IssuedCard(
            cardId: claims.cardIdHex, householdId: id, villageCode: composed.villageCode, keyId: Hex.encode(keys.signer.keyId),
            householdRevision: composed.revision, issuedAt: claims.issuedAt, contentHash: Hex.encode(contentHash),
            issuer: Self.issuer(caller), payload: payload)
        let entry = AuditEntry(action: .cardIssue, at: now(), actor: caller.id, deviceId: deviceId, collection: "households",
                               recordId: id, revision: composed.revision,
                               detail: ["card": .string(card.cardId), "key": .string(card.keyId), "contentHash": .string(card.contentHash)])
        try await store.insertCard(card, audit: [entry])
        do {
            try await refreshCardStates()
        } catch {
            // The card is stored; the reprint list catches up on the next pass.
            logger.warning("card projection failed after issuing", metadata: ["error.type": "\(type(of: error))"])
        }
        return PrintableCard(card: card, content: composed.content, claims: claims)
    }

    /// A card to print: its content composed again from the records, which must still be what it prints
    /// (`card_outdated` otherwise: issue a new one), and it must not be revoked (`card_revoked`).
    package func printableCard(id: String, by caller: Principal) async throws -> PrintableCard {
        let card = try await issuedCard(id: id, by: caller)
        guard card.revokedAt == nil else { throw ServiceError(.cardRevoked, "该明白卡已作废 (the card was revoked)") }
        guard let composed = try await cardContents(of: [card.householdId])[card.householdId] else {
            throw ServiceError(.notFound, "户不存在或已注销 (no such household)")
        }
        guard Hex.encode(CardContent.hash(composed.content)) == card.contentHash else {
            throw ServiceError(.cardOutdated, "该明白卡印制后户档案已变更，请补发新卡 (the records changed since it was issued: issue a new card)")
        }
        return PrintableCard(card: card, content: composed.content, claims: try Self.claims(of: card))
    }

    /// One card as stored, scope-checked.
    package func issuedCard(id: String, by caller: Principal) async throws -> IssuedCard {
        guard id.utf8.count == 24, Hex.decode(id) != nil, let card = try await store.card(id: id) else {
            throw ServiceError(.notFound, "明白卡不存在 (no such card)")
        }
        try await authorizeCard(household: card.householdId,
                                village: try await currentVillage(of: card.householdId) ?? card.villageCode, caller)
        return card
    }

    /// A household's cards, newest first.
    package func cards(ofHousehold id: String, by caller: Principal) async throws -> [IssuedCard] {
        try await authorizeCard(household: id, village: try await currentVillage(of: id), caller)
        return try await store.cards(ofHousehold: id, limit: 100)
    }

    /// Households of a region (the caller's when nil) by card status, after bringing the states up to date.
    package func householdCards(status: CardStatus, region: String?, after: (village: String, household: String)?,
                                limit: Int, by caller: Principal) async throws -> [HouseholdCard] {
        let prefix = try cardRegion(region, caller)
        try await refreshCardStates()
        return try await store.householdCards(HouseholdCardQuery(status: status, regionPrefix: prefix, after: after, limit: limit))
    }

    /// How many households of a region have no card, a current one, an outdated one.
    package func cardCounts(region: String?, by caller: Principal) async throws -> CardCounts {
        let prefix = try cardRegion(region, caller)
        try await refreshCardStates()
        return try await store.cardCounts(regionPrefix: prefix)
    }

    /// Withdraws a card (a county admin of its county, or the operator): it verifies as *revoked* once apps
    /// fetch the revocation list. Revoking it again changes nothing.
    package func revokeCard(id: String, by caller: Principal, deviceId: String? = nil) async throws -> IssuedCard {
        switch caller {
        case .admin(_, .county, _), .admin(_, .operator, _): break
        default: throw ServiceError(.forbidden, "仅县级管理员可作废明白卡 (only county admins revoke cards)")
        }
        let card = try await issuedCard(id: id, by: caller)
        let at = now()
        let entry = AuditEntry(action: .cardRevoke, at: at, actor: caller.id, deviceId: deviceId, collection: "households",
                               recordId: card.householdId, detail: ["card": .string(card.cardId), "key": .string(card.keyId)])
        guard let revoked = try await store.revokeCard(id: id, at: at / 1000, audit: [entry]) else {
            throw ServiceError(.notFound, "明白卡不存在 (no such card)")
        }
        return revoked
    }

    /// The published keys and revocation lists, as apps fetch them to verify offline.
    package func cardTrust() async throws -> CardTrustMessage {
        let keys = try cardKeys.current()
        return CardTrustMessage(
            asOf: now() / 1000,
            keys: keys.published.map { key in
                CardTrustMessage.Key(keyId: Hex.encode(key.keyId), publicKey: Base64URL.encode(key.publicKey),
                                     validFrom: key.validFrom, validUntil: key.validUntil, revoked: key.revoked)
            },
            revocations: try await store.cardRevocations())
    }

    /// The verdict on a scanned payload against the server's keys, revocations and current records. Any
    /// enrolled device may ask about any card (交叉检查 crosses regions): the answer names no personal data.
    package func verifyCard(payload: String) async throws -> CardVerifyResponse {
        let trust = try await cardTrust()
        let verifier = CardVerifier(trust: CardTrustList(message: trust))
        var verdict = verifier.verify(payload) { _ in nil }
        var newest: String?
        var message = verdict.message
        if let claims = verdict.claims {
            if case .genuine = verdict {
                if let composed = try await cardContents(of: [claims.householdId])[claims.householdId] {
                    let state = CardHouseholdState(revision: composed.revision, contentHash: CardContent.hash(composed.content))
                    verdict = verifier.verify(payload) { _ in state }
                    message = verdict.message
                } else {
                    message = "真实，但档案中已无该户，无法核对是否为最新"
                }
            }
            newest = try await store.cards(ofHousehold: claims.householdId, limit: 1).first?.cardId
        }
        let claims = verdict.claims
        return CardVerifyResponse(
            verdict: verdict.name, reason: verdict.forgery?.rawValue, cardId: claims?.cardIdHex, householdId: claims?.householdId,
            issuedAt: claims?.issuedAt, newestCardId: newest == claims?.cardIdHex ? nil : newest, asOf: trust.asOf,
            message: message)
    }

    /// The village household `id`'s record names now (the projected state may lag a move); nil when there is
    /// no such live household. One record read, not a composition.
    func currentVillage(of id: String) async throws -> String? {
        guard let record = try await store.record(RecordKey(.households, id)), !record.deleted else { return nil }
        return record.fields["villageCode"]?.stringValue ?? record.scope.villageCode
    }

    /// Helpers reach the households assigned to them; admins those in their region; the operator all.
    func authorizeCard(household id: String, village: String?, _ caller: Principal) async throws {
        guard let fromId = Scope.village(ofHousehold: id) else {
            throw ServiceError(.invalidRequest, "户编号须为16位数字 (householdId must be 16 digits)")
        }
        switch caller {
        case .helper(let helper):
            guard try await store.householdsAssigned(to: helper).contains(id) else {
                throw ServiceError(.forbidden, "该户不是您的帮扶户 (not one of your households)")
            }
        case .admin:
            guard Self.covers(caller, village ?? fromId) else {
                // A number of the caller's region whose household now lies elsewhere answers as if unknown:
                // a 403 would tell that it exists.
                if Self.covers(caller, fromId) { throw ServiceError(.notFound, "户不存在或已注销 (no such household)") }
                throw ServiceError(.forbidden, "不在您的管辖范围内 (household outside your region)")
            }
        }
    }

    /// The region prefix a listing covers: the caller's own when nil; helpers list nothing.
    func cardRegion(_ region: String?, _ caller: Principal) throws -> String {
        guard case .admin(_, let role, let mine) = caller else {
            throw ServiceError(.forbidden, "仅管理员可查看 (admins only)")
        }
        guard let region else { return role == .operator ? "" : mine }
        guard region.utf8.count <= 12, region.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else {
            throw ServiceError(.invalidRequest, "region 须为至多12位数字的区划代码 (region must be up to 12 digits)")
        }
        guard role == .operator || region.hasPrefix(mine) else {
            throw ServiceError(.forbidden, "不在您的管辖范围内 (region outside yours)")
        }
        return region
    }

    static func issuer(_ caller: Principal) -> String {
        switch caller {
        case .helper(let id): "helper:\(id)"
        case .admin(let id, _, _): "admin:\(id)"
        }
    }

    /// The claims a stored card's payload carries.
    static func claims(of card: IssuedCard) throws -> CardClaims {
        guard let keyId = Hex.decode(card.keyId), let cardId = Hex.decode(card.cardId), let hash = Hex.decode(card.contentHash) else {
            throw ServiceError(.internalError, "stored card \(card.cardId) is malformed")
        }
        return CardClaims(keyId: keyId, cardId: cardId, householdId: card.householdId, householdRevision: card.householdRevision,
                          issuedAt: card.issuedAt, contentHash: hash)
    }
}
