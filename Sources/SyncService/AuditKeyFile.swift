import Crypto
import Foundation

/// Where the audit key comes from (protocol/audit.md §3): 32 bytes in a file. Kept in one small type so
/// that it can move into the shared key store later without touching its callers.
///
/// Every node of a cluster must read the same file: the keyed hashes of personal values are only
/// comparable under one key. On SQLite, with no file configured, the key is created next to the database
/// (`audit.key`, mode 0600) on first start.
package enum AuditKeyFile {
    /// The key's length in bytes.
    package static let length = 32

    /// The key for a server or tool: from `path` when given; otherwise, with SQLite at `sqlitePath`, from
    /// `audit.key` next to the database, created if missing. PostgreSQL (no `sqlitePath`) requires `path`.
    package static func resolve(path: String?, sqlitePath: String?) throws -> SymmetricKey {
        if let path { return try load(path) }
        guard let sqlitePath else {
            throw AuditKeyError("auditKeyFile is required with PostgreSQL: every node needs the same 32-byte key file")
        }
        let directory = (sqlitePath as NSString).deletingLastPathComponent
        let path = ((directory.isEmpty ? "." : directory) as NSString).appendingPathComponent("audit.key")
        if !FileManager.default.fileExists(atPath: path) { try create(path) }
        return try load(path)
    }

    /// Reads a key file: exactly 32 bytes.
    package static func load(_ path: String) throws -> SymmetricKey {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw AuditKeyError("cannot read the audit key file \(path)")
        }
        guard data.count == length else {
            throw AuditKeyError("the audit key file \(path) must hold exactly \(length) bytes")
        }
        return SymmetricKey(data: data)
    }

    /// Writes a new random key to `path`, readable by its owner only.
    package static func create(_ path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        let key = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
        guard FileManager.default.createFile(atPath: path, contents: key, attributes: [.posixPermissions: 0o600]) else {
            throw AuditKeyError("cannot create the audit key file \(path)")
        }
    }
}

/// An audit key that cannot be loaded.
package struct AuditKeyError: Error, CustomStringConvertible, Sendable {
    package var description: String
    package init(_ description: String) { self.description = description }
}
