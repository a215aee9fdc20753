import Crypto
import Foundation
import MingbaiCard
import SyncModel

/// The 明白卡 signing keys, in the same key directory as the data keys (protocol/cards.md §3):
///
///     <dir>/cards/<keyId>.key      the raw 32-byte Ed25519 private key, mode 0600
///     <dir>/cards/manifest.json    {"current", "keys": [{"keyId", "publicKey", "validFrom", "validUntil"?, "revoked"}]}
///
/// The manifest is what verifiers get as the trust list (public keys and windows only). It is replaced
/// atomically and flushed, like `data/current`.
extension KeyDirectory {
    var cardsPath: String { (path as NSString).appendingPathComponent("cards") }
    var manifestPath: String { (cardsPath as NSString).appendingPathComponent("manifest.json") }

    /// Whether the directory holds a card signing key.
    package var hasCardKeys: Bool { FileManager.default.fileExists(atPath: manifestPath) }

    /// Creates the first card signing key, valid from `now` (seconds), unless one exists.
    @discardableResult
    package func initializeCardKeys(now: Int64) throws -> CardTrustList {
        if hasCardKeys { return try cardTrustList(asOf: now) }
        try makeDirectory(path)
        try makeDirectory(cardsPath)
        let signer = try newCardKey()
        try writeManifest(current: signer.keyId, keys: [CardSignerKey(publicKey: signer.publicKey, validFrom: now)])
        return try cardTrustList(asOf: now)
    }

    /// Introduces a new signing key from `now` on; the current one stops signing (`validUntil` = now) and
    /// cards it signed keep verifying.
    @discardableResult
    package func rotateCardKey(now: Int64) throws -> CardTrustList {
        var (current, keys) = try readManifest()
        let signer = try newCardKey()
        keys = keys.map { key in
            var key = key
            if key.keyId == current && key.validUntil == nil { key.validUntil = now }
            return key
        }
        keys.append(CardSignerKey(publicKey: signer.publicKey, validFrom: now))
        current = signer.keyId
        try writeManifest(current: current, keys: keys)
        return try cardTrustList(asOf: now)
    }

    /// Marks a compromised key revoked: every card it signed verifies as revoked. The current key cannot be
    /// revoked before another takes over (rotate first).
    @discardableResult
    package func revokeCardKey(_ keyIdHex: String, now: Int64) throws -> CardTrustList {
        let (current, keys) = try readManifest()
        guard let keyId = Hex.decode(keyIdHex), keys.contains(where: { $0.keyId == keyId }) else {
            throw DataKeyError("no card signing key \(keyIdHex) in \(cardsPath)")
        }
        guard keyId != current else { throw DataKeyError("the current card signing key cannot be revoked; rotate first") }
        try writeManifest(current: current, keys: keys.map { key in
            var key = key
            if key.keyId == keyId { key.revoked = true }
            return key
        })
        return try cardTrustList(asOf: now)
    }

    /// The current signing key.
    package func cardSigner() throws -> CardSigner {
        let (current, _) = try readManifest()
        let file = (cardsPath as NSString).appendingPathComponent("\(Hex.encode(current)).key")
        guard let bytes = FileManager.default.contents(atPath: file), bytes.count == 32 else {
            throw DataKeyError("the card signing key file \(file) must hold exactly 32 bytes")
        }
        let signer = try CardSigner(privateKey: Array(bytes))
        guard signer.keyId == current else { throw DataKeyError("\(file) does not hold the key its name says") }
        return signer
    }

    /// The published keys, as a verifier holds them.
    package func cardTrustList(asOf: Int64) throws -> CardTrustList {
        CardTrustList(keys: try readManifest().keys, asOf: asOf)
    }

    private func newCardKey() throws -> CardSigner {
        let privateKey = Curve25519.Signing.PrivateKey()
        let signer = try CardSigner(privateKey: Array(privateKey.rawRepresentation))
        try Self.writeNew((cardsPath as NSString).appendingPathComponent("\(Hex.encode(signer.keyId)).key"),
                          Data(privateKey.rawRepresentation))
        return signer
    }

    private func readManifest() throws -> (current: [UInt8], keys: [CardSignerKey]) {
        guard let data = FileManager.default.contents(atPath: manifestPath),
            case .object(let root)? = try? JSONParser.parse(data),
            let current = root["current"]?.stringValue.flatMap(Hex.decode), case .array(let entries)? = root["keys"]
        else { throw DataKeyError("no card signing key in \(path): run `bangfu-admin keys cards init`") }
        let keys = try entries.map { entry -> CardSignerKey in
            guard let object = entry.objectValue, let publicKey = object["publicKey"]?.stringValue.flatMap(Hex.decode),
                let validFrom = object["validFrom"]?.intValue
            else { throw DataKeyError("\(manifestPath) holds a key without publicKey or validFrom") }
            return CardSignerKey(publicKey: publicKey, validFrom: validFrom, validUntil: object["validUntil"]?.intValue,
                                 revoked: object["revoked"] == .bool(true))
        }
        return (current, keys)
    }

    private func writeManifest(current: [UInt8], keys: [CardSignerKey]) throws {
        let document: JSONValue = [
            "current": .string(Hex.encode(current)),
            "keys": .array(keys.map { key in
                var entry: [String: JSONValue] = [
                    "keyId": .string(Hex.encode(key.keyId)), "publicKey": .string(Hex.encode(key.publicKey)),
                    "validFrom": .int(key.validFrom), "revoked": .bool(key.revoked),
                ]
                if let until = key.validUntil { entry["validUntil"] = .int(until) }
                return .object(entry)
            }),
        ]
        let temporary = manifestPath + ".\(getpid()).\(UInt32.random(in: .min ... .max)).tmp"
        try Self.writeNew(temporary, Data(JSONWriter.bytes(document) + [0x0A]))
        guard rename(temporary, manifestPath) == 0 else { throw DataKeyError("cannot replace \(manifestPath)") }
        try Self.syncDirectory(cardsPath)
    }
}
