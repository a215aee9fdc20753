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
    /// The key id as 16 lowercase hex digits.
    public var keyIdHex: String { Hex.encode(keyId) }
}

/// The signature algorithms a card may name. Only Ed25519 is issued; the byte leaves room for SM2, which
/// 密评 assessments of government systems may require (a verifier that does not know an algorithm answers
/// *forged*: it cannot vouch for the card).
public enum CardAlgorithm: UInt8, Sendable, Hashable {
    case ed25519 = 1
    /// Reserved: SM2 with SM3 (GB/T 32918), not implemented.
    case sm2 = 2
}

/// Lowercase hex.
public enum Hex {
    public static func encode(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            output.append(digits[Int(byte >> 4)])
            output.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// The bytes of lowercase or uppercase hex `text`; nil for anything else.
    public static func decode(_ text: String) -> [UInt8]? {
        let characters = Array(text.utf8)
        guard characters.count % 2 == 0 else { return nil }
        var output: [UInt8] = []
        output.reserveCapacity(characters.count / 2)
        var index = 0
        while index < characters.count {
            guard let high = value(characters[index]), let low = value(characters[index + 1]) else { return nil }
            output.append(high << 4 | low)
            index += 2
        }
        return output
    }

    private static func value(_ character: UInt8) -> UInt8? {
        switch character {
        case 0x30...0x39: return character - 0x30
        case 0x61...0x66: return character - 0x61 + 10
        case 0x41...0x46: return character - 0x41 + 10
        default: return nil
        }
    }
}
