import Foundation
import SyncModel

/// What a 明白卡's QR code states (protocol/cards.md §2): which card, for which household at which revision,
/// issued when, with a hash of everything printed, under which key. No name, ID number, phone, amount or
/// health data: the card hangs in public.
public struct CardClaims: Sendable, Hashable {
    /// The signature algorithm (§2.2).
    public var algorithm: CardAlgorithm
    /// The signing key's id: the first 8 bytes of the SHA-256 of its raw public key.
    public var keyId: [UInt8]
    /// The card's id: 12 random bytes.
    public var cardId: [UInt8]
    /// The household's 16-digit registration number (its record id; printed on the card).
    public var householdId: String
    /// The household record's revision the card was issued for.
    public var householdRevision: Int64
    /// Seconds since 1970 (UTC) when the card was issued.
    public var issuedAt: Int64
    /// The first 16 bytes of the SHA-256 of the card's printed content (`CardContent.hash`).
    public var contentHash: [UInt8]

    public init(algorithm: CardAlgorithm = .ed25519, keyId: [UInt8], cardId: [UInt8], householdId: String,
                householdRevision: Int64, issuedAt: Int64, contentHash: [UInt8]) {
        self.algorithm = algorithm
        self.keyId = keyId
        self.cardId = cardId
        self.householdId = householdId
        self.householdRevision = householdRevision
        self.issuedAt = issuedAt
        self.contentHash = contentHash
    }

    /// The card id as 24 lowercase hex digits, as admins and logs name it.
    public var cardIdHex: String { Hex.encode(cardId) }

    /// `YYYY-MM-DD` in China Standard Time of `seconds` since 1970: the issue date a card prints, the date of
    /// a trust list an offline verdict names.
    public static func day(_ seconds: Int64) -> String {
        Date(timeIntervalSince1970: TimeInterval(seconds)).formatted(dayStyle)
    }

    /// Made once: a formatter per page cost more than its QR code.
    private static let dayStyle = Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: "Asia/Shanghai")!).year().month().day()
}

/// The signature algorithms a card may name. Only Ed25519 is issued; the byte leaves room for SM2, which
/// 密评 assessments of government systems may require (a verifier that does not know an algorithm answers
/// *forged*: it cannot vouch for the card).
public enum CardAlgorithm: UInt8, Sendable, Hashable {
    case ed25519 = 1
    /// Reserved: SM2 with SM3 (GB/T 32918), not implemented.
    case sm2 = 2
}
