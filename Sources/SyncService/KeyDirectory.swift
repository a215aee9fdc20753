import Crypto
import Foundation
import SyncModel

/// The key store on disk (docs/personal-data.md "Keys"): a directory, mode 0700, that every node of a
/// cluster reads alike (a shared mount, or the same files copied to each). Layout:
///
///     <dir>/data/<keyId>.key       32 random bytes each, mode 0600
///     <dir>/data/current           the id of the key that encrypts new values
///     <dir>/data/<keyId>.retired   when the key stopped being current (milliseconds since 1970)
///     <dir>/data/removed/          keys taken out of use by `keys remove`, kept until backups age out
///
/// Older keys stay until nothing is encrypted under them (`bangfu-admin keys list` counts what each still
/// protects) and every node has stopped using them. Files are created with `O_EXCL` at mode 0600 and
/// flushed to disk, with the directory, before `current` names them: a crash never leaves `current` naming a
/// key that is not on disk. The card signing keys of issue 10 belong in the same directory.
package struct KeyDirectory: Sendable {
    package let path: String

    package init(path: String) { self.path = path }

    var dataPath: String { (path as NSString).appendingPathComponent("data") }
    var currentPath: String { (dataPath as NSString).appendingPathComponent("current") }

    /// Whether the directory holds a data key set.
    package var exists: Bool { FileManager.default.fileExists(atPath: currentPath) }

    /// Reads the data keys.
    package func load() throws -> DataKeyRing {
        guard let currentData = FileManager.default.contents(atPath: currentPath),
            let currentId = String(data: currentData, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines)
        else { throw DataKeyError("no data key set in \(path): run `bangfu-admin keys init --keys-dir \(path)`") }
        let keys = try keyFiles().map(readKey)
        guard let current = keys.first(where: { $0.id == currentId }) else {
            throw DataKeyError("the current data key \(currentId) named in \(currentPath) is missing")
        }
        return DataKeyRing(current: current, older: keys.filter { $0.id != currentId })
    }

    /// Creates the directory with one data key, unless it holds a key set already. Returns the ring.
    @discardableResult
    package func initialize() throws -> DataKeyRing {
        if exists { return try load() }
        try makeDirectory(path)
        try makeDirectory(dataPath)
        let key = try writeNewKey()
        try writeCurrent(key.id)
        return try load()
    }

    /// Adds a new key and makes it current; the old keys stay for decryption. Returns the new ring.
    @discardableResult
    package func rotate(now: Int64 = KeyDirectory.nowMillis()) throws -> DataKeyRing {
        let old = try load().current.id
        let key = try writeNewKey()
        try writeCurrent(key.id, replacing: old, now: now)
        return try load()
    }

    /// How long a key must have stopped being current before `remove` takes it out: three times the
    /// interval at which servers re-read the directory, so no node still encrypts under it.
    package static let retirementBeforeRemoval: Int64 = 15 * 60 * 1000

    /// Takes a key that is not current out of use (moved to `data/removed/`). The caller checks first that no
    /// stored value is under it; this checks that it stopped being current long enough ago.
    package func remove(keyId: String, now: Int64) throws {
        let ring = try load()
        guard ring.current.id != keyId else { throw DataKeyError("the current key cannot be removed; rotate first") }
        guard ring.key(id: keyId) != nil else { throw DataKeyError("no data key \(keyId) in \(path)") }
        let marker = (dataPath as NSString).appendingPathComponent("\(keyId).retired")
        guard let text = FileManager.default.contents(atPath: marker).flatMap({ String(data: $0, encoding: .utf8) }),
            let retired = Int64(text.trimmingCharacters(in: .whitespacesAndNewlines)),
            now - retired >= Self.retirementBeforeRemoval
        else {
            throw DataKeyError("key \(keyId) stopped being current less than 15 minutes ago (or no record says when): a server may still encrypt under it")
        }
        let removed = (dataPath as NSString).appendingPathComponent("removed")
        try makeDirectory(removed)
        guard rename(keyPath(keyId), (removed as NSString).appendingPathComponent("\(keyId).key")) == 0 else {
            throw DataKeyError("cannot move key \(keyId) to \(removed)")
        }
        try Self.syncDirectory(dataPath)
    }

    private func keyPath(_ id: String) -> String { (dataPath as NSString).appendingPathComponent("\(id).key") }

    private func keyFiles() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dataPath).filter { $0.hasSuffix(".key") }.sorted()
            .map { (dataPath as NSString).appendingPathComponent($0) }
    }

    private func readKey(_ file: String) throws -> DataKey {
        guard let data = FileManager.default.contents(atPath: file), data.count == DataKey.length else {
            throw DataKeyError("the data key file \(file) must hold exactly \(DataKey.length) bytes")
        }
        let key = DataKey(bytes: data)
        guard (file as NSString).lastPathComponent == "\(key.id).key" else {
            throw DataKeyError("the data key file \(file) does not hold the key its name says")
        }
        return key
    }

    private func writeNewKey() throws -> DataKey {
        let bytes = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
        let key = DataKey(bytes: bytes)
        try Self.writeNew(keyPath(key.id), bytes)
        return key
    }

    /// Names `id` in `current` atomically (a new temporary file, flushed, then renamed over it), so a node
    /// reloading the directory never reads half a key id, and records when the key it replaces retired.
    private func writeCurrent(_ id: String, replacing old: String? = nil, now: Int64 = Self.nowMillis()) throws {
        try Self.syncDirectory(dataPath)
        if let old, old != id {
            let marker = (dataPath as NSString).appendingPathComponent("\(old).retired")
            try? FileManager.default.removeItem(atPath: marker)
            try Self.writeNew(marker, Data("\(now)\n".utf8))
        }
        let temporary = currentPath + ".\(getpid()).\(UInt32.random(in: .min ... .max)).tmp"
        try Self.writeNew(temporary, Data((id + "\n").utf8))
        guard rename(temporary, currentPath) == 0 else { throw DataKeyError("cannot replace \(currentPath)") }
        try Self.syncDirectory(dataPath)
    }

    /// Creates `path` (never an existing file) at mode 0600 with `contents`, flushed to disk.
    static func writeNew(_ path: String, _ contents: Data) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else { throw DataKeyError("cannot create \(path)") }
        defer { close(descriptor) }
        let written = contents.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == contents.count, fsync(descriptor) == 0 else { throw DataKeyError("cannot write \(path)") }
    }

    /// Flushes a directory's entries (a new or renamed file) to disk.
    static func syncDirectory(_ path: String) throws {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw DataKeyError("cannot open \(path)") }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw DataKeyError("cannot flush \(path)") }
    }

    package static func nowMillis() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    func makeDirectory(_ path: String) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
    }
}

/// Where a server or tool takes its data keys from (docs/personal-data.md "Keys").
package enum DataKeySource {
    /// The environment variable holding the keys instead of a directory: base64url 32-byte keys separated
    /// by commas, the current one first.
    package static let environmentVariable = "BANGFU_DATA_KEYS"

    /// The keys: from `BANGFU_DATA_KEYS` when set; else from `keysDir`; else, with SQLite at `sqlitePath`,
    /// from `keys/` next to the database, created on first start. PostgreSQL (no `sqlitePath`) requires one
    /// of the first two, the same on every node.
    package static func resolve(keysDir: String?, sqlitePath: String?,
                                environment: [String: String] = ProcessInfo.processInfo.environment) throws -> DataKeyRing {
        if let value = environment[environmentVariable], !value.isEmpty {
            // Two sources would let `keys rotate` change a directory no server reads.
            guard keysDir == nil else { throw DataKeyError("set keysDir or \(environmentVariable), not both") }
            return try parse(value)
        }
        if let keysDir { return try KeyDirectory(path: keysDir).load() }
        guard let sqlitePath else {
            throw DataKeyError("keysDir (or \(environmentVariable)) is required with PostgreSQL: every node needs the same data keys")
        }
        return try KeyDirectory(path: defaultDirectory(sqlitePath: sqlitePath)).initialize()
    }

    /// A cipher over the resolved keys. Keys from a directory are read again when a value names a key this
    /// node lacks (another node rotated first) and by the background re-encryption; keys from the
    /// environment change only with a restart.
    package static func cipher(keysDir: String?, sqlitePath: String?,
                               environment: [String: String] = ProcessInfo.processInfo.environment) throws -> PersonalDataCipher {
        let ring = try resolve(keysDir: keysDir, sqlitePath: sqlitePath, environment: environment)
        if let value = environment[environmentVariable], !value.isEmpty { return PersonalDataCipher(ring: ring) }
        let directory = KeyDirectory(path: keysDir ?? sqlitePath.map { defaultDirectory(sqlitePath: $0) } ?? "")
        return PersonalDataCipher(ring: ring, reload: { try directory.load() })
    }

    /// The directory used when none is configured: `keys/` next to the SQLite database.
    package static func defaultDirectory(sqlitePath: String) -> String {
        let directory = (sqlitePath as NSString).deletingLastPathComponent
        return ((directory.isEmpty ? "." : directory) as NSString).appendingPathComponent("keys")
    }

    /// Parses the environment form.
    package static func parse(_ value: String) throws -> DataKeyRing {
        let keys = try value.split(separator: ",").map { part -> DataKey in
            let text = part.trimmingCharacters(in: .whitespaces)
            guard let bytes = Base64URL.decode(text), bytes.count == DataKey.length else {
                throw DataKeyError("\(environmentVariable) must hold base64url 32-byte keys separated by commas")
            }
            return DataKey(bytes: Data(bytes))
        }
        guard let current = keys.first else { throw DataKeyError("\(environmentVariable) is empty") }
        return DataKeyRing(current: current, older: Array(keys.dropFirst()))
    }
}
