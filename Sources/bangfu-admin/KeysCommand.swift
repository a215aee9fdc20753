import ArgumentParser
import Foundation
import MingbaiCard
import SyncModel
import SyncService

/// `bangfu-admin keys`: the data keys that encrypt personal data at rest (docs/personal-data.md "Keys").
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "数据密钥管理 — data keys for personal data at rest.",
        subcommands: [Init.self, Rotate.self, List.self, Reencrypt.self, Remove.self, Cards.self])

    /// The key directory of a command: `--keys-dir`, `BANGFU_KEYS_DIR`, or `keys/` next to `--db`.
    static func directory(_ database: DatabaseOptions) throws -> KeyDirectory {
        guard let path = database.keysDirectory else {
            throw ValidationError("--keys-dir (or BANGFU_KEYS_DIR) is required with PostgreSQL")
        }
        return KeyDirectory(path: path)
    }

    /// Moves every stored personal value to the current key and says how many it moved.
    static func reencrypt(_ database: DatabaseOptions) async throws {
        let report = try await database.openService().reencryptPersonalData()
        print("re-encrypted \(report.records) records and \(report.conflicts) conflicts under \(report.currentKeyId)")
    }

    struct Init: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "创建密钥目录 — create the key directory with a first data key (kept if it exists).")
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let directory = try KeysCommand.directory(database)
            let existed = directory.exists
            let ring = try directory.initialize()
            print(existed ? "\(directory.path): key set exists, current key \(ring.current.id)"
                          : "\(directory.path): created, current key \(ring.current.id)")
        }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "轮换密钥 — add a data key and make it current; servers move old values to it in the background.")
        @OptionGroup var database: DatabaseOptions
        @Flag(help: "Also re-encrypt every stored value now, instead of leaving it to the servers.") var now = false

        func run() async throws {
            let ring = try KeysCommand.directory(database).rotate()
            print("current key \(ring.current.id); older keys \(ring.keys.keys.filter { $0 != ring.current.id }.sorted())")
            print("copy the directory to every node; each re-reads it within 5 minutes")
            if now {
                try await KeysCommand.reencrypt(database)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "列出密钥 — the data keys and how many stored values each still protects.")
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let service = try await database.openService(writes: false)
            let usage = try await service.keyUsage()
            // With the keys in BANGFU_DATA_KEYS there is no directory: the counts alone.
            let held = (try? KeysCommand.directory(database).load()).map { Set($0.keys.keys) } ?? [usage.currentKeyId]
            for id in held.union(usage.values.keys).sorted() {
                let role = id == usage.currentKeyId ? "current"
                    : id == KeyUsage.plaintext ? "not encrypted" : held.contains(id) ? "older" : "MISSING"
                print("\(id)\t\(role)\t\(usage.values[id] ?? 0) values")
            }
        }
    }

    struct Reencrypt: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "重新加密 — move every stored personal value to the current key now.")
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            try await KeysCommand.reencrypt(database)
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "停用旧密钥 — take out an older data key that no stored value uses and no server has used for 15 minutes.")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The key id (keys list).") var keyId: String

        func run() async throws {
            guard try KeysCommand.directory(database).load().current.id != keyId else {
                throw ValidationError("the current key cannot be removed; rotate first")
            }
            let usage = try await database.openService(writes: false).keyUsage()
            if let left = usage.values[keyId], left > 0 {
                throw ValidationError("\(left) stored values still use key \(keyId): run `keys reencrypt` first")
            }
            try KeysCommand.directory(database).remove(keyId: keyId, now: KeyDirectory.nowMillis())
            print("removed key \(keyId) (moved to data/removed/: delete it once no backup needs it)")
        }
    }

    /// `keys cards`: the 明白卡 signing keys (protocol/cards.md §3).
    struct Cards: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "明白卡签名密钥 — the card signing keys: init, rotate, revoke a compromised one, list.")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "init | rotate | revoke | list") var action: String
        @Argument(help: "The key id to revoke.") var keyId: String?

        func run() async throws {
            let directory = try KeysCommand.directory(database)
            let now = KeyDirectory.nowMillis() / 1000
            let trust: CardTrustList
            switch action {
            case "init": trust = try directory.initializeCardKeys(now: now)
            case "rotate": trust = try directory.rotateCardKey(now: now)
            case "revoke":
                guard let keyId else { throw ValidationError("revoke needs the key id (keys cards list)") }
                trust = try directory.revokeCardKey(keyId, now: now)
            case "list": trust = try directory.cardTrustList(asOf: now)
            default: throw ValidationError("the action is init, rotate, revoke or list")
            }
            let current = try directory.cardSigner().keyId
            for key in trust.keys {
                let state = key.revoked ? "REVOKED" : key.keyId == current ? "current" : "older"
                print("\(Hex.encode(key.keyId))\t\(state)\tfrom \(key.validFrom)\(key.validUntil.map { " until \($0)" } ?? "")")
            }
        }
    }
}
