import Crypto
import FieldDomain
import SyncModel

/// Puts a keyed hash in place of personal data before it enters the audit log (protocol/audit.md §3).
/// Which fields are personal is the field catalogue's to say (`FieldSpec.isPersonal`).
///
/// The hash is HMAC-SHA256 under the server's audit key, written `hmac:<64 hex>`: an inspector who holds
/// the key and a candidate value (the ID number on a paper form) can check that it is the one written; a
/// copy of the database alone cannot be searched for an ID number or a phone number, which a plain hash of
/// an 18-digit number with a checksum would allow.
package struct AuditRedactor: Sendable {
    /// The key's bytes: `SymmetricKey` is not `Sendable` in this swift-crypto, and the redactor crosses
    /// into store transactions.
    private let keyBytes: [UInt8]

    package init(key: SymmetricKey) { keyBytes = key.withUnsafeBytes { Array($0) } }

    /// The prefix of a keyed hash.
    package static let prefix = "hmac:"

    /// `fields` with every personal field of `collection` replaced by its keyed hash.
    package func redact(_ fields: [String: JSONValue], in collection: CollectionName) -> [String: JSONValue] {
        let schema = Domain.schema(for: collection)
        var redacted = fields
        for (name, value) in fields where schema.isPersonal(name) { redacted[name] = hash(value) }
        return redacted
    }

    /// The keyed hash of a value: of a string's UTF-8 bytes, of any other value's canonical JSON text. `null`
    /// (a removed value) stays `null`: that a phone number was removed is not personal.
    package func hash(_ value: JSONValue) -> JSONValue {
        let bytes: [UInt8]
        switch value {
        case .null: return .null
        case .string(let text): bytes = Array(text.utf8)
        default: bytes = JSONWriter.bytes(value)
        }
        let code = HMAC<SHA256>.authenticationCode(for: bytes, using: SymmetricKey(data: keyBytes))
        return .string(Self.prefix + Hex.encode(code))
    }
}
