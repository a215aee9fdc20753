import Crypto

/// Signs card payloads with one Ed25519 key (the server's current card signing key).
public struct CardSigner: Sendable {
    private let privateKey: [UInt8]
    /// The key's id: the first 8 bytes of the SHA-256 of its raw public key.
    public let keyId: [UInt8]
    /// The raw 32-byte public key, as the trust list publishes it.
    public let publicKey: [UInt8]

    /// A signer for the raw 32-byte Ed25519 private key `privateKey`.
    public init(privateKey: [UInt8]) throws {
        let key = try Curve25519.Signing.PrivateKey(rawRepresentation: privateKey)
        self.privateKey = privateKey
        self.publicKey = Array(key.publicKey.rawRepresentation)
        self.keyId = Self.keyId(of: publicKey)
    }

    /// The id of a raw public key.
    public static func keyId(of publicKey: [UInt8]) -> [UInt8] { Array(SHA256.hash(data: publicKey).prefix(8)) }

    /// The payload of `claims` (their `keyId` and `algorithm` are this signer's), signed.
    public func sign(_ claims: CardClaims) throws -> String {
        var claims = claims
        claims.keyId = keyId
        claims.algorithm = .ed25519
        guard let body = CardPayload.body(claims) else { throw CardError("card claims out of range") }
        let key = try Curve25519.Signing.PrivateKey(rawRepresentation: privateKey)
        let signature = try key.signature(for: CardPayload.signedMessage(body))
        return CardPayload.text(body: body, signature: Array(signature))
    }
}

/// Claims that cannot be signed.
public struct CardError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
