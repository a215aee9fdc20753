import Foundation
import MingbaiCard
import Synchronization
import SyncModel

/// Where the service gets the 明白卡 signing key and the published keys (protocol/cards.md §3). Keys from a
/// directory are read again at most every 30 seconds, so that `bangfu-admin keys cards rotate | revoke`
/// reaches a running server (every node) without a restart.
package final class CardKeySource: Sendable {
    /// The current signer and every published key.
    package struct Keys: Sendable {
        package var signer: CardSigner
        package var published: [CardSignerKey]

        package init(signer: CardSigner, published: [CardSignerKey]) {
            self.signer = signer
            self.published = published
        }
    }

    private let load: @Sendable () throws -> Keys
    private let cache = Mutex<(keys: Keys, at: ContinuousClock.Instant)?>(nil)
    static let reloadInterval = Duration.seconds(30)

    package init(load: @escaping @Sendable () throws -> Keys) { self.load = load }

    /// Fixed keys (tests, benchmarks).
    package static func fixed(_ keys: Keys) -> CardKeySource { CardKeySource { keys } }

    /// No keys: issuing answers `card_keys_unavailable`.
    package static let none = CardKeySource {
        throw ServiceError(.cardKeysUnavailable, "服务器未配置明白卡签名密钥 (no card signing key: bangfu-admin keys cards init)")
    }

    /// The keys of a key directory. With `initialize`, a directory without card keys gets its first key
    /// (the embedded SQLite default, one process); otherwise an operator creates them once for all nodes.
    package static func directory(_ path: String, initialize: Bool, now: @escaping @Sendable () -> Int64) throws -> CardKeySource {
        let directory = KeyDirectory(path: path)
        if initialize { try directory.initializeCardKeys(now: now() / 1000) }
        return CardKeySource {
            // Devices read these messages: no path, no error text (STYLE rule 6); the operator runs
            // `bangfu-admin keys cards list` on the server to see which.
            guard directory.hasCardKeys else {
                throw ServiceError(.cardKeysUnavailable, "服务器未配置明白卡签名密钥 (no card signing key: bangfu-admin keys cards init)")
            }
            do {
                return Keys(signer: try directory.cardSigner(), published: try directory.cardTrustList(asOf: 0).keys)
            } catch {
                throw ServiceError(.cardKeysUnavailable, "明白卡签名密钥无法读取 (card signing keys unreadable: bangfu-admin keys cards list)")
            }
        }
    }

    /// The server's card keys: those of the key directory (`keysDir`, or `keys/` next to the SQLite database),
    /// created on first start with SQLite (one process); with PostgreSQL an operator creates them once for
    /// every node (`bangfu-admin keys cards init`), and without a directory (`BANGFU_DATA_KEYS`) there are none.
    package static func resolve(keysDir: String?, sqlitePath: String?) throws -> CardKeySource {
        let now: @Sendable () -> Int64 = { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }
        if let keysDir { return try directory(keysDir, initialize: sqlitePath != nil, now: now) }
        guard let sqlitePath else { return .none }
        return try directory(DataKeySource.defaultDirectory(sqlitePath: sqlitePath), initialize: true, now: now)
    }

    /// The keys, from the cache when read less than 30 seconds ago.
    package func current() throws -> Keys {
        let now = ContinuousClock.now
        if let cached = cache.withLock({ $0 }), now - cached.at < Self.reloadInterval { return cached.keys }
        let keys = try load()
        cache.withLock { $0 = (keys, now) }
        return keys
    }
}
