import Crypto
import Foundation

/// One-time enrolment codes: 12 characters of Crockford's base32 (60 random bits), shown as
/// `XXXX-XXXX-XXXX` and in a QR as `BFE1:XXXXXXXXXXXX`. Typing is forgiving: case, dashes and spaces do not
/// matter, and `O`, `I`, `L` read as `0`, `1`, `1`. Only SHA-256 of the normalised code is stored.
package enum EnrolmentCodeFormat {
    static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
    /// The QR payload's prefix (a context and format version, as DESIGN §5 does for cards).
    package static let qrPrefix = "BFE1:"
    static let length = 12

    /// A new code from `randomBytes` (at least 8 bytes; 60 bits are used), grouped for reading aloud.
    package static func make(randomBytes: [UInt8]) -> String {
        var bits = randomBytes.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        var characters: [Character] = []
        for _ in 0..<length {
            characters.append(alphabet[Int(bits & 31)])
            bits >>= 5
        }
        let text = String(characters)
        return [0..<4, 4..<8, 8..<12].map { range in
            String(text.dropFirst(range.lowerBound).prefix(range.count))
        }.joined(separator: "-")
    }

    /// The canonical 12 characters of a typed or scanned code; nil when it cannot be one.
    package static func normalise(_ typed: String) -> String? {
        var text = typed.uppercased()
        if text.hasPrefix(qrPrefix) { text.removeFirst(qrPrefix.count) }
        var characters: [Character] = []
        for character in text where character != "-" && character != " " {
            switch character {
            case "O": characters.append("0")
            case "I", "L": characters.append("1")
            default:
                guard alphabet.contains(character) else { return nil }
                characters.append(character)
            }
            if characters.count > length { return nil }
        }
        return characters.count == length ? String(characters) : nil
    }

    /// Lowercase hex SHA-256 of a normalised code: what the store keeps.
    package static func hash(_ normalised: String) -> String {
        SHA256.hash(data: Data(normalised.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
