import Crypto
import Foundation
import SyncModel
import Testing

/// The visit signature's test vector in protocol/examples/visit-signature-vector.json: the message bytes
/// are exactly the documented ones, the key id is derived as documented, and the published signature
/// verifies (Ed25519 per RFC 8032; any implementation must produce a signature that verifies, and
/// deterministic ones produce this one).
@Suite struct DeviceSignatureVectorTests {
    static var vectorURL: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("protocol/examples/visit-signature-vector.json")
    }

    struct Vector: Decodable {
        var description: String
        var privateKeySeed: String
        var publicKey: String
        var keyId: String
        var deviceId: String
        var recordId: String
        var fields: JSONValue
        var message: String
        var signature: JSONValue
    }

    @Test func theDocumentedVectorIsWhatTheCodeDoes() throws {
        let vector = try JSONDecoder().decode(Vector.self, from: Data(contentsOf: Self.vectorURL))
        let seed = try #require(Base64URL.decode(vector.privateKeySeed))
        let key = try Curve25519.Signing.PrivateKey(rawRepresentation: seed)
        #expect(Base64URL.encode(key.publicKey.rawRepresentation) == vector.publicKey)
        #expect(DeviceSignature.keyId(publicKey: key.publicKey.rawRepresentation) == vector.keyId)
        var fields = try #require(vector.fields.objectValue)
        let message = DeviceSignature.visitMessage(deviceId: vector.deviceId, recordId: vector.recordId, fields: fields)
        #expect(String(decoding: message, as: UTF8.self) == vector.message)
        fields[DeviceSignature.field] = vector.signature
        let publicKey = try #require(Base64URL.decode(vector.publicKey))
        #expect(DeviceSignature.verifyVisit(deviceId: vector.deviceId, recordId: vector.recordId, fields: fields,
                                            publicKey: publicKey) == nil)
        // Our own signature of the same fields verifies too (and equals the vector's: BoringSSL's Ed25519 is
        // deterministic).
        let ours = try DeviceSignature.signVisit(deviceId: vector.deviceId, recordId: vector.recordId, fields: fields, key: key)
        #expect(ours == vector.signature)
        // One character changed anywhere that is signed: refused.
        var tampered = fields
        tampered["notes"] = .string((fields["notes"]?.stringValue ?? "") + "。")
        #expect(DeviceSignature.verifyVisit(deviceId: vector.deviceId, recordId: vector.recordId, fields: tampered,
                                            publicKey: publicKey) == .invalid)
        #expect(DeviceSignature.verifyVisit(deviceId: vector.deviceId + "x", recordId: vector.recordId, fields: fields,
                                            publicKey: publicKey) == .invalid)
        // What the server adds is not signed: helperId, deviceId, and a household visit's villageCode.
        var filled = fields
        filled["helperId"] = "hp52232700001"
        filled["deviceId"] = .string(vector.deviceId)
        filled["villageCode"] = "522327101201"
        #expect(DeviceSignature.verifyVisit(deviceId: vector.deviceId, recordId: vector.recordId, fields: filled,
                                            publicKey: publicKey) == nil)
    }

    @Test func base64URLRoundTripsAndRefusesOtherAlphabets() {
        for length in 0..<70 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 * 37 + 11) }
            #expect(Base64URL.decode(Base64URL.encode(bytes)) == bytes)
            // The same text as RFC 4648 base64 with the URL alphabet and no padding.
            let reference = Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
                .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
            #expect(Base64URL.encode(bytes) == reference)
        }
        #expect(Base64URL.decode("AB") == nil, "leftover bits must be zero")
        #expect(Base64URL.decode("ab+c") == nil)
        #expect(Base64URL.decode("abc=") == nil)
        #expect(Base64URL.decode("a") == nil)
    }
}
