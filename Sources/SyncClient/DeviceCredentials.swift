import Synchronization
import Foundation
import SyncModel

/// What an enrolled phone keeps to act as itself: its Ed25519 private key and its tokens
/// (protocol/security.md §2). An app keeps them in the platform's key store (Keychain, Android Keystore)
/// through its own ``CredentialStore``; ``FileCredentialStore`` is the plain one for simulators and tests.
public struct DeviceCredentials: Sendable, Hashable, Codable {
    public var deviceId: String
    public var helperId: String
    public var keyId: String
    /// The raw 32-byte private key, base64url.
    public var privateKey: String
    public var accessToken: String
    public var accessExpiresAt: Int64
    public var refreshToken: String
    public var refreshExpiresAt: Int64

    public init(privateKey: String, tokens: DeviceTokens) {
        self.deviceId = tokens.deviceId
        self.helperId = tokens.helperId
        self.keyId = tokens.keyId
        self.privateKey = privateKey
        self.accessToken = tokens.accessToken
        self.accessExpiresAt = tokens.accessExpiresAt
        self.refreshToken = tokens.refreshToken
        self.refreshExpiresAt = tokens.refreshExpiresAt
    }
}

/// Where a ``DeviceSession`` keeps its credentials between launches.
public protocol CredentialStore: Sendable {
    func load() async throws -> DeviceCredentials?
    func save(_ credentials: DeviceCredentials) async throws
    /// Forgets the credentials (a revoked device).
    func wipe() async throws
}

/// Credentials in a JSON file readable by the owner only (mode 0600), replaced atomically on each save.
public struct FileCredentialStore: CredentialStore {
    public let path: String

    public init(path: String) { self.path = path }

    public func load() async throws -> DeviceCredentials? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return try JSONDecoder().decode(DeviceCredentials.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }

    public func save(_ credentials: DeviceCredentials) async throws {
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let temporary = url.appendingPathExtension("new")
        FileManager.default.createFile(atPath: temporary.path, contents: nil, attributes: [.posixPermissions: 0o600])
        try JSONEncoder().encode(credentials).write(to: temporary)
        _ = try FileManager.default.replaceItemAt(url, withItemAt: temporary)
    }

    public func wipe() async throws {
        if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
    }
}

/// Credentials in memory only (tests, simulated devices).
public final class MemoryCredentialStore: CredentialStore {
    private let stored = Mutex<DeviceCredentials?>(nil)

    public init() {}

    public func load() async throws -> DeviceCredentials? { stored.withLock { $0 } }
    public func save(_ credentials: DeviceCredentials) async throws { stored.withLock { $0 = credentials } }
    public func wipe() async throws { stored.withLock { $0 = nil } }
}
