/// `POST /sync/enrol`: a new device registers its Ed25519 public key with a one-time code from an admin
/// (protocol/security.md §2).
public struct EnrolRequest: Sendable, Hashable, Codable {
    /// The code as typed or scanned (`XXXX-XXXX-XXXX`, or the QR's `BFE1:…`).
    public var code: String
    /// The raw 32-byte Ed25519 public key, base64url without padding.
    public var publicKey: String
    /// What the phone calls itself, e.g. its model; at most 100 characters.
    public var label: String?

    public init(code: String, publicKey: String, label: String? = nil) {
        self.code = code
        self.publicKey = publicKey
        self.label = label
    }
}

/// The answer to an enrolment or a refresh: the device's tokens, shown once and stored only hashed.
public struct DeviceTokens: Sendable, Hashable, Codable {
    public var deviceId: String
    /// The helper (or admin account) the device belongs to.
    public var helperId: String
    /// The id of the registered key (`DeviceSignature.keyId`).
    public var keyId: String
    /// The bearer token for `/sync/*`, short-lived.
    public var accessToken: String
    /// Milliseconds since 1970.
    public var accessExpiresAt: Int64
    /// Exchanged, with a proof of the key, for new tokens at `POST /sync/token`; each use replaces it.
    public var refreshToken: String
    public var refreshExpiresAt: Int64

    public init(deviceId: String, helperId: String, keyId: String, accessToken: String, accessExpiresAt: Int64,
                refreshToken: String, refreshExpiresAt: Int64) {
        self.deviceId = deviceId
        self.helperId = helperId
        self.keyId = keyId
        self.accessToken = accessToken
        self.accessExpiresAt = accessExpiresAt
        self.refreshToken = refreshToken
        self.refreshExpiresAt = refreshExpiresAt
    }
}

/// `POST /sync/token`: new tokens for a refresh token and a proof that the caller holds the device key
/// (a signature of `DeviceSignature.refreshMessage`).
public struct TokenRefreshRequest: Sendable, Hashable, Codable {
    public var refreshToken: String
    /// The device's clock, milliseconds since 1970; within 10 minutes of the server's.
    public var timestamp: Int64
    /// Ed25519 signature, base64url.
    public var proof: String

    public init(refreshToken: String, timestamp: Int64, proof: String) {
        self.refreshToken = refreshToken
        self.timestamp = timestamp
        self.proof = proof
    }
}
