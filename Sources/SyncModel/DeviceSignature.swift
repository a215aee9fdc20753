import Crypto
import Foundation

/// Ed25519 signatures of device evidence (protocol/signatures.md): the phone signs each visit it records
/// with the key it registered at enrolment, and the server verifies before accepting it.
///
/// The signed message is the context line, the device id, the record id and the canonical JSON of the
/// fields the device wrote (every field of the create except `signature` and the fields the server fills),
/// joined by line feeds. Canonical JSON is `JSONWriter`'s: no whitespace, object members sorted by key,
/// strings escaped minimally, integral numbers below 10^15 as integers.
public enum DeviceSignature {
    /// The only algorithm so far; the `alg` member leaves room for SM2.
    public static let algorithm = "Ed25519"
    /// The first line of a visit's signed message.
    public static let visitContext = "bangfu-visit-v1"
    /// The record field that carries the signature object.
    public static let field = "signature"
    /// Visit fields that are never signed: the signature itself, and who recorded it (the server fills them).
    public static let unsignedVisitFields: Set<String> = [field, "helperId", "deviceId"]

    /// Whether a visit field is covered by the signature. A household visit's `villageCode` is not: the
    /// server fills it from the household (which is signed), so it cannot differ from what was signed.
    public static func isSigned(_ name: String, in fields: [String: JSONValue]) -> Bool {
        if unsignedVisitFields.contains(name) { return false }
        if name == "villageCode", fields["householdId"]?.stringValue != nil { return false }
        return true
    }

    /// Why a signature was not accepted.
    public enum Failure: Sendable, Hashable {
        /// The device has a key but the visit carries no signature.
        case missing
        /// The signature object does not have the documented shape.
        case malformed
        /// The signature names a key that is not the pushing device's.
        case wrongKey
        /// The signature does not verify: the fields were changed after signing, or it is forged.
        case invalid
    }

    /// A key's id: the lowercase hex of the first 8 bytes of SHA-256 of its raw 32-byte public key.
    public static func keyId(publicKey: some DataProtocol) -> String {
        SHA256.hash(data: publicKey).prefix(8).map { String(format: "%02x", $0) }.joined()
    }

    /// The bytes a device signs for a visit.
    public static func visitMessage(deviceId: String, recordId: String, fields: [String: JSONValue]) -> [UInt8] {
        var message = Array("\(visitContext)\n\(deviceId)\n\(recordId)\n".utf8)
        JSONWriter.write(.object(fields.filter { isSigned($0.key, in: fields) }), into: &message)
        return message
    }

    /// The first line of a token refresh's proof.
    public static let refreshContext = "bangfu-refresh-v1"

    /// The bytes a device signs to prove it holds its key when it exchanges `refreshToken` at `timestamp`.
    public static func refreshMessage(refreshToken: String, timestamp: Int64) -> [UInt8] {
        Array("\(refreshContext)\n\(refreshToken)\n\(timestamp)".utf8)
    }

    /// Whether `proof` (base64url) is the device key's signature of the refresh message.
    public static func verifyRefresh(refreshToken: String, timestamp: Int64, proof: String, publicKey: [UInt8]) -> Bool {
        guard let signature = Base64URL.decode(proof), signature.count == 64,
            let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey)
        else { return false }
        return key.isValidSignature(signature, for: refreshMessage(refreshToken: refreshToken, timestamp: timestamp))
    }

    /// The `signature` field value for a visit, signed with `key`.
    public static func signVisit(deviceId: String, recordId: String, fields: [String: JSONValue],
                                 key: Curve25519.Signing.PrivateKey) throws -> JSONValue {
        let signature = try key.signature(for: visitMessage(deviceId: deviceId, recordId: recordId, fields: fields))
        return .object([
            "alg": .string(algorithm),
            "keyId": .string(keyId(publicKey: key.publicKey.rawRepresentation)),
            "value": .string(Base64URL.encode(signature)),
        ])
    }

    /// Checks a visit's `signature` field against the device's raw public key; nil when it verifies.
    public static func verifyVisit(deviceId: String, recordId: String, fields: [String: JSONValue],
                                   publicKey: [UInt8]) -> Failure? {
        guard let signature = fields[field] else { return .missing }
        guard let object = signature.objectValue, object.count == 3,
            object["alg"]?.stringValue == algorithm,
            let keyId = object["keyId"]?.stringValue, keyId.utf8.count == 16,
            let text = object["value"]?.stringValue, text.utf8.count == 86,
            let value = Base64URL.decode(text), value.count == 64
        else { return .malformed }
        guard keyId == self.keyId(publicKey: publicKey),
            let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey)
        else { return .wrongKey }
        let message = visitMessage(deviceId: deviceId, recordId: recordId, fields: fields)
        return key.isValidSignature(value, for: message) ? nil : .invalid
    }
}
