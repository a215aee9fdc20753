import Crypto
import Foundation
import SyncModel

/// One AES-256 key for personal data at rest. Its id is derived from the key (the first 8 bytes of its
/// SHA-256, in hex), so a ciphertext names its key without a registry, and two nodes given the same key
/// agree on its id.
package struct DataKey: Sendable {
    package let id: String
    private let box: KeyBox
    package var key: SymmetricKey { box.key }

    /// The key's length in bytes.
    package static let length = 32

    package init(bytes: Data) {
        self.box = KeyBox(key: SymmetricKey(data: bytes))
        self.id = Self.id(of: bytes)
    }

    /// The id of the key `bytes`: 16 lowercase hex digits.
    package static func id(of bytes: Data) -> String {
        Hex.encode(SHA256.hash(data: bytes).prefix(8))
    }
}

/// A key made once and shared read-only across threads: `SymmetricKey` is not `Sendable` in this
/// swift-crypto, but it is an immutable value, and making one per use cost more than the AES-GCM it keys.
private final class KeyBox: @unchecked Sendable {
    let key: SymmetricKey
    init(key: SymmetricKey) { self.key = key }
}

/// The data keys a node knows: the current one, which encrypts, and the older ones, which still decrypt
/// values written before a rotation until the background re-encryption has moved them (docs/personal-data.md).
package struct DataKeyRing: Sendable {
    package let current: DataKey
    package let keys: [String: DataKey]

    package init(current: DataKey, older: [DataKey] = []) {
        self.current = current
        var keys = Dictionary(older.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        keys[current.id] = current
        self.keys = keys
    }

    /// The key called `id`, if this ring holds it.
    package func key(id: String) -> DataKey? { keys[id] }

    /// A ring with one fresh random key: tests and tools that write nothing lasting.
    package static func random() -> DataKeyRing {
        DataKeyRing(current: DataKey(bytes: SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }))
    }
}

/// A data key set that cannot be loaded, or a key directory that cannot be changed.
package struct DataKeyError: Error, CustomStringConvertible, Sendable {
    package var description: String
    package init(_ description: String) { self.description = description }
}
