import Foundation
import MingbaiCard
import SyncModel

/// The app's offline 明白卡 check (protocol/cards.md §4): a helper scans a card on a wall and learns, with no
/// signal, whether it is genuine and whether it prints what the phone's records hold. The phone holds ID
/// numbers masked, which is exactly what a card prints, so it composes the same content the server did.
extension SyncClient {
    /// The verdict on a scanned payload against `trust` (the published signing keys and revocation lists,
    /// fetched when the phone last had signal: the answer is "as of" `trust.asOf`). *genuine* means the card
    /// is authentic but this phone does not hold all the household's records (another helper's household, a
    /// co-helper whose profile the phone lacks), so it cannot tell current from outdated.
    public func verifyCard(_ payload: String, trust: CardTrustList) async throws -> CardVerdict {
        let verifier = CardVerifier(trust: trust)
        let first = verifier.verify(payload) { _ in nil }
        guard case .genuine(let claims) = first, let state = try await cardState(of: claims.householdId) else { return first }
        return verifier.verify(payload) { _ in state }
    }

    /// Asks the server for a card of one of this helper's households, for its current records (the server
    /// composes and signs it; a write still in the outbox is not on it: sync first).
    public func requestCard(household householdId: String) async throws -> CardMessage {
        try await transport.issueCard(CardIssueRequest(householdId: householdId))
    }

    /// Fetches the card signing keys and revocation lists and keeps them for offline checks.
    /// The list kept never goes back: a key once revoked stays revoked, a revocation list keeps its highest
    /// counter, and a key the answer lacks stays (a node answering from an older copy of the keys cannot undo
    /// what the phone already knows).
    @discardableResult
    public func refreshCardTrust() async throws -> CardTrustList {
        var message = try await transport.cardTrust()
        if let body = try await store.savedCardTrust(),
            let saved = try? SyncJSON.decoder().decode(CardTrustMessage.self, from: Data(body)) {
            message = Self.merge(saved, message)
        }
        try await store.saveCardTrust(Array(try SyncJSON.encoder().encode(message)))
        return CardTrustList(message: message)
    }

    static func merge(_ saved: CardTrustMessage, _ fetched: CardTrustMessage) -> CardTrustMessage {
        var keys = Dictionary(fetched.keys.map { ($0.keyId, $0) }, uniquingKeysWith: { first, _ in first })
        for old in saved.keys {
            guard var key = keys[old.keyId] else {
                keys[old.keyId] = old
                continue
            }
            key.revoked = key.revoked || old.revoked
            if let until = old.validUntil { key.validUntil = min(key.validUntil ?? until, until) }
            keys[old.keyId] = key
        }
        var lists = Dictionary(fetched.revocations.map { ($0.keyId, $0) }, uniquingKeysWith: { first, _ in first })
        for old in saved.revocations where old.counter > lists[old.keyId]?.counter ?? -1 { lists[old.keyId] = old }
        return CardTrustMessage(asOf: max(saved.asOf, fetched.asOf), keys: keys.keys.sorted().map { keys[$0]! },
                                revocations: lists.keys.sorted().map { lists[$0]! })
    }

    /// The trust list kept by the last ``refreshCardTrust()``; nil before the first.
    public func savedCardTrust() async throws -> CardTrustList? {
        guard let body = try await store.savedCardTrust() else { return nil }
        return CardTrustList(message: try SyncJSON.decoder().decode(CardTrustMessage.self, from: Data(body)))
    }

    /// The offline verdict against the kept trust list, with the text the app shows ("as of" the list's
    /// date); nil when no list was fetched yet.
    public func verifyCard(_ payload: String) async throws -> (verdict: CardVerdict, asOf: Int64, message: String)? {
        guard let trust = try await savedCardTrust() else { return nil }
        let verdict = try await verifyCard(payload, trust: trust)
        return (verdict, trust.asOf, verdict.offlineMessage(asOf: trust.asOf))
    }

    /// The server's verdict, against its current keys, revocations and records.
    public func verifyCardOnline(_ payload: String) async throws -> CardVerifyResponse {
        try await transport.verifyCard(CardVerifyRequest(payload: payload))
    }

    /// What a card issued now would carry for `householdId`, from the records this phone holds (pending
    /// edits included: an edit made here makes the card outdated at once); only its household part when the
    /// phone lacks a co-helper's profile; nil when it lacks the household.
    public func cardState(of householdId: String) async throws -> CardHouseholdState? {
        guard let household = try await record(collection: .households, id: householdId) else { return nil }
        let members = try await members(of: householdId)
        let helperIds = try await records(in: .assignments)
            .filter { $0.fields["householdId"] == .string(householdId) }
            .compactMap { $0.fields["helperId"]?.stringValue }
        var helpers: [String: [String: JSONValue]] = [:]
        var helpersKnown = true
        for helperId in helperIds {
            // A co-helper's profile is outside this phone's scope: only the household part can be compared.
            guard let helper = try await record(collection: .helpers, id: helperId) else {
                helpersKnown = false
                continue
            }
            helpers[helperId] = helper.fields
        }
        var visits: [String: [String: JSONValue]] = [:]
        for visit in try await records(in: .visits) where visit.fields["householdId"] == .string(householdId) {
            visits[visit.id] = visit.fields
        }
        let content = CardContent.compose(
            householdId: householdId, household: household.fields,
            members: Dictionary(uniqueKeysWithValues: members.map { ($0.id, $0.fields) }), helpers: helpers, visits: visits)
        guard helpersKnown else {
            return .withoutHelpers(revision: household.version ?? 0, householdPart: CardContent.householdPart(content))
        }
        return CardHouseholdState(revision: household.version ?? 0, contentHash: CardContent.hash(content))
    }
}
