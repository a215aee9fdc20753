import Crypto
import FieldDomain
import Foundation
import Synchronization
import SyncEngine
import SyncModel
import SyncStore

/// Encrypts personal values at rest (docs/personal-data.md; protocol/security.md §5): each value of a field
/// the catalogue marks personal becomes
///
///     enc:v1:<keyId>:<base64url(nonce ‖ ciphertext ‖ tag)>
///
/// AES-256-GCM with a random 12-byte nonce, and `bangfu-pd-v1\n<collection>/<recordId>/<field>` as
/// associated data, so a ciphertext copied to another record or field does not decrypt. The value stays a
/// JSON string: the stores keep knowing no domain rule and need no schema change.
///
/// A value without the prefix is plaintext written before encryption existed; it reads as it is, and the
/// background re-encryption (`KeyRotation`) encrypts it. A device cannot smuggle a string shaped like a
/// ciphertext into a personal field: ID and phone numbers are validated before they are stored.
package final class PersonalDataCipher: Sendable {
    private let ring: Mutex<DataKeyRing>
    private let reload: (@Sendable () throws -> DataKeyRing)?

    /// The prefix of every ciphertext of this format.
    package static let prefix = "enc:v1:"

    /// - Parameter reload: reads the key set again (the key directory); called when a value names a key the
    ///   ring lacks (another node rotated first) and by the background re-encryption.
    package init(ring: DataKeyRing, reload: (@Sendable () throws -> DataKeyRing)? = nil) {
        self.ring = Mutex(ring)
        self.reload = reload
    }

    /// The key that encrypts new values.
    package var currentKeyId: String { ring.withLock { $0.current.id } }

    /// Reads the key set again; a new current key encrypts from now on. Keys this node held stay in its ring
    /// even when the directory no longer has them: what it wrote under one stays readable here.
    package func refreshKeys() throws {
        guard let reload else { return }
        let fresh = try reload()
        ring.withLock { $0 = DataKeyRing(current: fresh.current, older: Array($0.keys.values) + Array(fresh.keys.values)) }
    }

    /// The id of the key that encrypted `value`; nil for plaintext.
    package static func keyId(of value: String) -> String? {
        split(value).map { String(decoding: $0.keyId, as: UTF8.self) }
    }

    /// A ciphertext's key id and base64url body, read from its UTF-8 bytes (on the path of every personal
    /// value read: Character-level string operations cost more than the AES-GCM); nil for plaintext.
    private static func split(_ value: String) -> (keyId: ArraySlice<UInt8>, body: ArraySlice<UInt8>)? {
        let bytes = Array(value.utf8)
        guard bytes.count > prefixBytes.count, bytes[0..<prefixBytes.count].elementsEqual(prefixBytes),
            let colon = bytes[prefixBytes.count...].firstIndex(of: 0x3A)
        else { return nil }
        return (bytes[prefixBytes.count..<colon], bytes[(colon + 1)...])
    }

    private static let prefixBytes = Array(prefix.utf8)

    /// Encrypts `text` under the current key, bound to `context` (`collection/recordId/field`).
    package func seal(_ text: String, context: String) throws -> String {
        let key = ring.withLock { $0.current }
        let box = try AES.GCM.seal(Array(text.utf8), using: key.key, authenticating: Self.associatedData(context))
        guard let combined = box.combined else { throw Self.failure("AES-GCM produced no combined form") }
        return "\(Self.prefix)\(key.id):\(Base64URL.encode(combined))"
    }

    /// Decrypts `value` written for `context`; plaintext passes through unchanged.
    package func open(_ value: String, context: String) throws -> String {
        guard let (keyIdBytes, body) = Self.split(value) else { return value }
        let keyId = String(decoding: keyIdBytes, as: UTF8.self)
        guard let bytes = Base64URL.decode(String(decoding: body, as: UTF8.self)) else {
            throw Self.failure("a personal value is not valid ciphertext")
        }
        let key = try key(id: keyId)
        do {
            let box = try AES.GCM.SealedBox(combined: bytes)
            let plain = try AES.GCM.open(box, using: key.key, authenticating: Self.associatedData(context))
            guard let text = String(validating: plain, as: UTF8.self) else { throw Self.failure("a personal value is not UTF-8") }
            return text
        } catch let error as SyncStoreError {
            throw error
        } catch {
            // Never the value or the context in the message: it reaches logs.
            throw Self.failure("a personal value under key \(keyId) does not decrypt (wrong key, or moved or edited)")
        }
    }

    private func key(id: String) throws -> DataKey {
        if let key = ring.withLock({ $0.key(id: id) }) { return key }
        try refreshKeys()
        guard let key = ring.withLock({ $0.key(id: id) }) else {
            throw Self.failure("a personal value names data key \(id), which this node does not hold")
        }
        return key
    }

    private static func associatedData(_ context: String) -> [UInt8] { Array("bangfu-pd-v1\n\(context)".utf8) }

    private static func failure(_ detail: String) -> SyncStoreError { SyncStoreError(.corruptRecord, detail) }

    /// The context of a record's field.
    static func context(_ collection: CollectionName, _ recordId: String, _ field: String) -> String {
        "\(collection.rawValue)/\(recordId)/\(field)"
    }

    // MARK: Records and conflicts

    /// `fields` of a record with every personal string value encrypted under the current key.
    func seal(_ fields: [String: JSONValue], of collection: CollectionName, id: String) throws -> [String: JSONValue] {
        try transform(fields, of: collection, id: id) { text, context in
            Self.keyId(of: text) == nil ? try seal(text, context: context) : text
        }
    }

    /// `fields` of a record with every personal value decrypted.
    func open(_ fields: [String: JSONValue], of collection: CollectionName, id: String) throws -> [String: JSONValue] {
        try transform(fields, of: collection, id: id) { text, context in try open(text, context: context) }
    }

    /// `fields` with every personal value under an older key (or in plaintext) encrypted under the current
    /// key; nil when all are current already.
    func reseal(_ fields: [String: JSONValue], of collection: CollectionName, id: String) throws -> [String: JSONValue]? {
        let current = currentKeyId
        var changed = false
        let result = try transform(fields, of: collection, id: id) { text, context in
            guard Self.keyId(of: text) != current else { return text }
            changed = true
            return try seal(open(text, context: context), context: context)
        }
        return changed ? result : nil
    }

    private func transform(_ fields: [String: JSONValue], of collection: CollectionName, id: String,
                           _ change: (String, String) throws -> String) throws -> [String: JSONValue] {
        let schema = Domain.schema(for: collection)
        var result = fields
        for spec in schema.personalFields {
            guard case .string(let text)? = fields[spec.name] else { continue }
            result[spec.name] = .string(try change(text, Self.context(collection, id, spec.name)))
        }
        return result
    }

    /// The record with its personal values encrypted.
    package func seal(_ record: SyncRecord) throws -> SyncRecord {
        var record = record
        record.fields = try seal(record.fields, of: record.collection, id: record.id)
        return record
    }

    /// The record with its personal values decrypted.
    package func open(_ record: SyncRecord) throws -> SyncRecord {
        var record = record
        record.fields = try open(record.fields, of: record.collection, id: record.id)
        return record
    }

    /// The record with every personal value under the current key; nil when it is so already.
    package func reseal(_ record: SyncRecord) throws -> SyncRecord? {
        guard let fields = try reseal(record.fields, of: record.collection, id: record.id) else { return nil }
        var record = record
        record.fields = fields
        return record
    }

    /// The conflict with the personal values of its sides and resolution encrypted (`seal`) or decrypted.
    package func seal(_ conflict: Conflict) throws -> Conflict { try map(conflict) { try seal($0, of: $1, id: $2) } }
    package func open(_ conflict: Conflict) throws -> Conflict { try map(conflict) { try open($0, of: $1, id: $2) } }

    /// A hard conflict's values are one field's bare values; soft and deleted ones hold field → value objects.
    private func map(_ conflict: Conflict,
                     _ change: ([String: JSONValue], CollectionName, String) throws -> [String: JSONValue]) throws -> Conflict {
        func value(_ value: JSONValue) throws -> JSONValue {
            if let field = conflict.field {
                return try change([field: value], conflict.collection, conflict.recordId)[field] ?? value
            }
            guard case .object(let members) = value else { return value }
            return .object(try change(members, conflict.collection, conflict.recordId))
        }
        var result = conflict
        result.existing.value = try value(conflict.existing.value)
        result.incoming.value = try value(conflict.incoming.value)
        if let resolution = conflict.resolution { result.resolution?.value = try value(resolution.value) }
        return result
    }
}
