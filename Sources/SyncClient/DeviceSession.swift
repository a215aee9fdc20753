import Crypto
import SyncModel

/// A phone's identity after enrolment: signs its visits with its key, supplies the current access token,
/// and refreshes the tokens with a proof of the key when the server says they expired
/// (protocol/security.md §2–4).
public actor DeviceSession {
    private var credentials: DeviceCredentials
    /// Set once the server said `device_revoked`: nothing is signed or sent any more.
    public private(set) var isRevoked = false
    private let key: Curve25519.Signing.PrivateKey
    private let store: any CredentialStore

    /// The enrolled device's id.
    public nonisolated let deviceId: String

    /// A session from stored credentials.
    public init(credentials: DeviceCredentials, store: any CredentialStore) throws {
        guard let raw = Base64URL.decode(credentials.privateKey) else {
            throw SyncError(kind: .localStore, message: "stored device key is not base64url")
        }
        self.key = try Curve25519.Signing.PrivateKey(rawRepresentation: raw)
        self.credentials = credentials
        self.store = store
        self.deviceId = credentials.deviceId
    }

    /// Enrols this phone with a one-time code: makes a new key pair, registers its public half, and keeps
    /// the key and the tokens in `store`.
    public static func enrol(code: String, label: String?, transport: any SyncTransport, store: any CredentialStore)
        async throws -> DeviceSession
    {
        let key = Curve25519.Signing.PrivateKey()
        let tokens = try await transport.enrol(EnrolRequest(
            code: code, publicKey: Base64URL.encode(key.publicKey.rawRepresentation), label: label))
        let credentials = DeviceCredentials(privateKey: Base64URL.encode(key.rawRepresentation), tokens: tokens)
        try await store.save(credentials)
        return try DeviceSession(credentials: credentials, store: store)
    }

    /// The bearer token to send now.
    public var accessToken: String { credentials.accessToken }

    /// The helper (or admin account) this phone acts for.
    public var helperId: String { credentials.helperId }

    /// Exchanges the refresh token for new tokens, proving the key; the new ones are saved before use.
    public func refresh(via transport: any SyncTransport, now: Int64) async throws {
        let spent = credentials.refreshToken
        let proof = try key.signature(for: DeviceSignature.refreshMessage(refreshToken: spent, timestamp: now))
        let tokens = try await transport.refreshTokens(
            TokenRefreshRequest(refreshToken: spent, timestamp: now, proof: Base64URL.encode(proof)))
        credentials = DeviceCredentials(privateKey: credentials.privateKey, tokens: tokens)
        try await store.save(credentials)
    }

    /// The `signature` field of a visit this phone records.
    public func signVisit(recordId: String, fields: [String: JSONValue]) throws -> JSONValue {
        guard !isRevoked else {
            throw SyncError(kind: .server, code: .deviceRevoked, httpStatus: 401, message: "device revoked: enrol again")
        }
        return try DeviceSignature.signVisit(deviceId: deviceId, recordId: recordId, fields: fields, key: key)
    }

    /// Forgets the key and tokens (the device was revoked).
    public func wipe() async throws {
        isRevoked = true
        credentials.accessToken = ""
        credentials.refreshToken = ""
        try await store.wipe()
    }
}
