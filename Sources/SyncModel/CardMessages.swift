/// A 明白卡 as the server answers it (protocol/cards.md §5): `POST /sync/cards`, `POST /admin/v1/cards`,
/// `GET /admin/v1/cards/{id}`. No personal data: the payload is what the QR prints.
public struct CardMessage: Sendable, Hashable, Codable {
    /// 24 lowercase hex digits.
    public var cardId: String
    public var householdId: String
    public var villageCode: String
    /// The signing key's id, 16 hex digits.
    public var keyId: String
    /// The household record's revision it was issued for.
    public var householdRevision: Int64
    /// Seconds since 1970 (UTC).
    public var issuedAt: Int64
    /// 32 hex digits: the first 16 bytes of the SHA-256 of what it prints (cards.md §2.3).
    public var contentHash: String
    /// `admin:<id>` or `helper:<id>`.
    public var issuer: String
    /// The signed QR payload, `BF1:…`.
    public var payload: String
    /// Seconds since 1970 when it was withdrawn; absent while valid.
    public var revokedAt: Int64?
    /// `current`, `outdated` (the household changed since: reprint) or `superseded` (a newer card exists).
    public var status: String?

    public init(cardId: String, householdId: String, villageCode: String, keyId: String, householdRevision: Int64,
                issuedAt: Int64, contentHash: String, issuer: String, payload: String, revokedAt: Int64? = nil,
                status: String? = nil) {
        self.cardId = cardId
        self.householdId = householdId
        self.villageCode = villageCode
        self.keyId = keyId
        self.householdRevision = householdRevision
        self.issuedAt = issuedAt
        self.contentHash = contentHash
        self.issuer = issuer
        self.payload = payload
        self.revokedAt = revokedAt
        self.status = status
    }
}

/// Body of `POST /sync/cards` and `POST /admin/v1/cards`: issue a card for a household's current records.
public struct CardIssueRequest: Sendable, Hashable, Codable {
    public var householdId: String
    public init(householdId: String) { self.householdId = householdId }
}

/// `GET /sync/cards/trust`: what an app needs to verify cards offline (cards.md §3).
public struct CardTrustMessage: Sendable, Hashable, Codable {
    public struct Key: Sendable, Hashable, Codable {
        /// 16 hex digits: the first 8 bytes of the SHA-256 of `publicKey`.
        public var keyId: String
        /// The raw 32-byte Ed25519 public key, base64url without padding.
        public var publicKey: String
        /// Seconds since 1970: cards issued from then on may carry this key.
        public var validFrom: Int64
        /// Seconds since 1970: cards issued after it may not; absent while the key signs.
        public var validUntil: Int64?
        /// A compromised key: every card it signed is revoked.
        public var revoked: Bool

        public init(keyId: String, publicKey: String, validFrom: Int64, validUntil: Int64?, revoked: Bool) {
            self.keyId = keyId
            self.publicKey = publicKey
            self.validFrom = validFrom
            self.validUntil = validUntil
            self.revoked = revoked
        }
    }

    /// One key's withdrawn cards, with a counter that grows with every revocation.
    public struct Revocations: Sendable, Hashable, Codable {
        public var keyId: String
        public var counter: Int64
        public var cardIds: [String]

        public init(keyId: String, counter: Int64, cardIds: [String]) {
            self.keyId = keyId
            self.counter = counter
            self.cardIds = cardIds
        }
    }

    /// Seconds since 1970 when the server answered: offline verdicts are "as of" this.
    public var asOf: Int64
    public var keys: [Key]
    public var revocations: [Revocations]

    public init(asOf: Int64, keys: [Key], revocations: [Revocations]) {
        self.asOf = asOf
        self.keys = keys
        self.revocations = revocations
    }
}

/// Body of `POST /sync/cards/verify`.
public struct CardVerifyRequest: Sendable, Hashable, Codable {
    /// What the scanner read, at most 512 bytes are looked at (longer is *forged: malformed*).
    public var payload: String
    public init(payload: String) { self.payload = payload }
}

/// Answer to `POST /sync/cards/verify` (cards.md §4), against the server's keys, revocations and records.
public struct CardVerifyResponse: Sendable, Hashable, Codable {
    /// `current`, `outdated`, `genuine`, `revoked` or `forged`.
    public var verdict: String
    /// For `forged`: `malformed`, `unknownAlgorithm`, `unknownKey`, `badSignature` or `outsideKeyValidity`.
    public var reason: String?
    public var cardId: String?
    public var householdId: String?
    /// Seconds since 1970.
    public var issuedAt: Int64?
    /// The household's newest card, when it is not this one.
    public var newestCardId: String?
    /// Seconds since 1970: when the server checked.
    public var asOf: Int64
    /// The verdict in zh-CN, as the app shows it.
    public var message: String

    public init(verdict: String, reason: String? = nil, cardId: String? = nil, householdId: String? = nil,
                issuedAt: Int64? = nil, newestCardId: String? = nil, asOf: Int64, message: String) {
        self.verdict = verdict
        self.reason = reason
        self.cardId = cardId
        self.householdId = householdId
        self.issuedAt = issuedAt
        self.newestCardId = newestCardId
        self.asOf = asOf
        self.message = message
    }
}
