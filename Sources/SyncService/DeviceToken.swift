import Crypto
import Foundation
import SyncModel

/// Bearer tokens: `bft1.<deviceId>.<secret>` for devices, `bfa1.<adminId>.<secret>` for admin accounts;
/// only SHA-256 of the secret is stored.
package enum DeviceToken {
    package static let prefix = "bft1"
    /// The prefix of admin account tokens.
    package static let adminPrefix = "bfa1"

    /// The parts of a token as presented.
    package struct Parsed: Sendable, Hashable {
        package var deviceId: String
        package var secret: String
    }

    /// Makes a new token for `deviceId` from 32 random bytes.
    package static func make(deviceId: String, randomBytes: [UInt8], prefix: String = prefix) -> (token: String, hash: String) {
        let secret = Base64URL.encode(randomBytes)
        return ("\(prefix).\(deviceId).\(secret)", hash(secret: secret))
    }

    /// Splits a token; nil when it does not have the token shape.
    package static func parse(_ token: String, prefix: String = prefix) -> Parsed? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == prefix, !parts[1].isEmpty, parts[1].count <= 64,
            parts[2].count >= 16, parts[2].count <= 128
        else { return nil }
        return Parsed(deviceId: String(parts[1]), secret: String(parts[2]))
    }

    /// Lowercase hex SHA-256 of the secret.
    package static func hash(secret: String) -> String {
        SHA256.hash(data: Data(secret.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Compares two hex digests in time independent of where they differ.
    package static func constantTimeEquals(_ lhs: String, _ rhs: String) -> Bool {
        let left = Array(lhs.utf8)
        let right = Array(rhs.utf8)
        guard left.count == right.count else { return false }
        var difference: UInt8 = 0
        for index in left.indices { difference |= left[index] ^ right[index] }
        return difference == 0
    }
}
