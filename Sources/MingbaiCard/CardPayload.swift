import Crypto
import SyncModel

/// The QR payload of a 明白卡, byte for byte as protocol/cards.md §2 specifies it:
///
///     "BF1:" ‖ Base45( body ‖ signature )
///     body = algorithm (1) ‖ keyId (8) ‖ cardId (12) ‖ household (8, big-endian, the 16-digit number)
///            ‖ revision (4, big-endian) ‖ issuedAt (4, big-endian seconds) ‖ contentHash (16)     — 53 bytes
///     signature = Ed25519 over "BF1:" ‖ body                                                      — 64 bytes
///
/// 117 bytes, 176 Base45 characters, 180 with the prefix: a QR code of version 9 at ECC level Q in
/// alphanumeric mode (measured in `CardPayloadTests`). The prefix names the format version; a new layout
/// gets a new prefix.
public enum CardPayload {
    /// The context prefix of this format.
    public static let prefix = "BF1:"
    static let bodyLength = 53
    static let signatureLength = 64
    /// Longer input is refused before it is decoded (a scanner may hand over anything).
    public static let maxLength = 512

    /// The signed body of `claims`; nil when a field does not fit its bytes.
    static func body(_ claims: CardClaims) -> [UInt8]? {
        guard claims.keyId.count == 8, claims.cardId.count == 12, claims.contentHash.count == 16,
            claims.householdId.utf8.count == 16, claims.householdId.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
            let household = UInt64(claims.householdId),
            (0...Int64(UInt32.max)).contains(claims.householdRevision), (0...Int64(UInt32.max)).contains(claims.issuedAt)
        else { return nil }
        var body: [UInt8] = [claims.algorithm.rawValue]
        body += claims.keyId
        body += claims.cardId
        body += bigEndian(household, bytes: 8)
        body += bigEndian(UInt64(claims.householdRevision), bytes: 4)
        body += bigEndian(UInt64(claims.issuedAt), bytes: 4)
        body += claims.contentHash
        return body
    }

    /// What the signature covers.
    static func signedMessage(_ body: [UInt8]) -> [UInt8] { Array(prefix.utf8) + body }

    /// The payload text of a body and its signature.
    static func text(body: [UInt8], signature: [UInt8]) -> String { prefix + Base45.encode(body + signature) }

    /// Splits a payload into its claims, body and signature; nil for anything not of this format.
    static func parse(_ payload: String) -> (claims: CardClaims, body: [UInt8], signature: [UInt8])? {
        guard payload.utf8.count <= maxLength, payload.hasPrefix(prefix),
            let bytes = Base45.decode(String(payload.dropFirst(prefix.count))),
            bytes.count == bodyLength + signatureLength
        else { return nil }
        let body = Array(bytes[0..<bodyLength])
        let signature = Array(bytes[bodyLength...])
        guard let algorithm = CardAlgorithm(rawValue: body[0]) else { return nil }
        let household = integer(body[21..<29])
        // The household number is 16 digits: a smaller number is zero-padded, a larger one is not a household.
        guard household <= 9_999_999_999_999_999 else { return nil }
        let householdId = String(household)
        let claims = CardClaims(
            algorithm: algorithm, keyId: Array(body[1..<9]), cardId: Array(body[9..<21]),
            householdId: String(repeating: "0", count: 16 - householdId.count) + householdId,
            householdRevision: Int64(integer(body[29..<33])), issuedAt: Int64(integer(body[33..<37])),
            contentHash: Array(body[37..<53]))
        return (claims, body, signature)
    }

    private static func bigEndian(_ value: UInt64, bytes: Int) -> [UInt8] {
        (0..<bytes).reversed().map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) }
    }

    private static func integer(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        bytes.reduce(0) { $0 << 8 | UInt64($1) }
    }
}

/// The hash a card carries of what it prints (§2.3), in two parts of 8 bytes, each the first 8 bytes of a
/// SHA-256 of canonical JSON (`JSONWriter`: members sorted, compact): the household part, of the printed
/// content without its `helpers`; then the helpers part, of the `helpers` array. A phone that lacks a
/// co-helper's profile can still compute the first, and so tell that a card is outdated.
public enum CardContent {
    public static func hash(_ content: JSONValue) -> [UInt8] {
        householdPart(content) + Array(SHA256.hash(data: JSONWriter.bytes(content.objectValue?["helpers"] ?? .null)).prefix(8))
    }

    /// The first 8 bytes of `hash(content)`: everything printed but the helpers.
    public static func householdPart(_ content: JSONValue) -> [UInt8] {
        var withoutHelpers = content.objectValue ?? [:]
        withoutHelpers["helpers"] = nil
        return Array(SHA256.hash(data: JSONWriter.bytes(.object(withoutHelpers))).prefix(8))
    }
}
