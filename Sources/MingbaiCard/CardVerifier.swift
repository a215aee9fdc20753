import Crypto

/// A published card signing key (protocol/cards.md §3): the app holds the list, with the date it was
/// fetched, and verifies offline against it.
public struct CardSignerKey: Sendable, Hashable {
    public var keyId: [UInt8]
    public var publicKey: [UInt8]
    /// Cards issued (by their `issuedAt`) from this time on are signed by this key, seconds since 1970.
    public var validFrom: Int64
    /// Cards issued after this time cannot carry this key (nil: the key is still in use).
    public var validUntil: Int64?
    /// The key is compromised: every card it signed is revoked.
    public var revoked: Bool

    public init(publicKey: [UInt8], validFrom: Int64, validUntil: Int64? = nil, revoked: Bool = false) {
        self.keyId = CardSigner.keyId(of: publicKey)
        self.publicKey = publicKey
        self.validFrom = validFrom
        self.validUntil = validUntil
        self.revoked = revoked
    }
}

/// The cards withdrawn under one key, with a counter that grows with every change, so that a verifier can
/// tell an older list from a newer one (SMART Health Cards' revocation lists).
public struct CardRevocationList: Sendable, Hashable {
    public var keyId: [UInt8]
    public var counter: Int64
    public var cardIds: Set<[UInt8]>

    public init(keyId: [UInt8], counter: Int64, cardIds: Set<[UInt8]>) {
        self.keyId = keyId
        self.counter = counter
        self.cardIds = cardIds
    }
}

/// What a verifier trusts: the signing keys and revocation lists, as of the time it fetched them.
public struct CardTrustList: Sendable, Hashable {
    public var keys: [CardSignerKey]
    public var revocations: [CardRevocationList]
    /// When the list was fetched, seconds since 1970: an offline verdict is "current as of" this.
    public var asOf: Int64

    public init(keys: [CardSignerKey], revocations: [CardRevocationList] = [], asOf: Int64) {
        self.keys = keys
        self.revocations = revocations
        self.asOf = asOf
    }
}

/// The household's state a verifier compares a card with: online the server's, offline the app's copy.
public struct CardHouseholdState: Sendable, Hashable {
    public var revision: Int64
    /// The `CardContent.hash` of what a card issued now would print; only its first 8 bytes (the household
    /// part) when `helpersKnown` is false.
    public var contentHash: [UInt8]
    /// Whether the verifier holds the profiles of all the household's helpers. A phone lacks its co-helpers'
    /// profiles: it can tell a card outdated by the household part alone, never current.
    public var helpersKnown: Bool

    public init(revision: Int64, contentHash: [UInt8]) {
        self.revision = revision
        self.contentHash = contentHash
        self.helpersKnown = true
    }

    /// A state known only in its household part (`CardContent.householdPart`), the helpers' profiles missing.
    public static func withoutHelpers(revision: Int64, householdPart: [UInt8]) -> CardHouseholdState {
        var state = CardHouseholdState(revision: revision, contentHash: householdPart)
        state.helpersKnown = false
        return state
    }
}

/// The answer to a scan (protocol/cards.md §4).
public enum CardVerdict: Sendable, Hashable {
    /// Signed by a trusted key and printing what the records hold now.
    case current(CardClaims)
    /// Genuine, but the household changed since it was printed: reprint.
    case outdated(CardClaims)
    /// Genuine, but the verifier does not hold the household's records (offline, another region): whether
    /// it is current is unknown.
    case genuine(CardClaims)
    /// Genuine but withdrawn: its key was compromised or the card itself was revoked.
    case revoked(CardClaims)
    /// Not a card this system issued: malformed, an unknown key or algorithm, a bad signature, or a key
    /// used outside its validity window.
    case forged(CardForgery)
}

/// Why a payload is not a genuine card.
public enum CardForgery: String, Sendable, Hashable {
    case malformed, unknownAlgorithm, unknownKey, badSignature, outsideKeyValidity
}

/// Verifies card payloads against a trust list. Pure: no clock, no network; the caller supplies the
/// household's state when it has it.
public struct CardVerifier: Sendable {
    public let trust: CardTrustList

    public init(trust: CardTrustList) { self.trust = trust }

    /// The verdict on `payload` (any text a scanner produced). Never throws, never traps.
    public func verify(_ payload: String, household: (String) -> CardHouseholdState?) -> CardVerdict {
        guard let (claims, body, signature) = CardPayload.parse(payload) else { return .forged(.malformed) }
        guard claims.algorithm == .ed25519 else { return .forged(.unknownAlgorithm) }
        guard let key = trust.keys.first(where: { $0.keyId == claims.keyId }) else { return .forged(.unknownKey) }
        guard let publicKey = try? Curve25519.Signing.PublicKey(rawRepresentation: key.publicKey),
            publicKey.isValidSignature(signature, for: CardPayload.signedMessage(body))
        else { return .forged(.badSignature) }
        guard claims.issuedAt >= key.validFrom, key.validUntil.map({ claims.issuedAt <= $0 }) ?? true else {
            return .forged(.outsideKeyValidity)
        }
        if key.revoked || trust.revocations.contains(where: { $0.keyId == claims.keyId && $0.cardIds.contains(claims.cardId) }) {
            return .revoked(claims)
        }
        guard let state = household(claims.householdId) else { return .genuine(claims) }
        guard state.helpersKnown else {
            return Array(claims.contentHash.prefix(8)) == state.contentHash ? .genuine(claims) : .outdated(claims)
        }
        return state.contentHash == claims.contentHash ? .current(claims) : .outdated(claims)
    }
}
