import Foundation
import SyncService
import Testing

/// `bangfu-admin keys` on a SQLite database (docs/personal-data.md): the first command creates `keys/` next
/// to the database; `list` counts what each key protects; `rotate` adds a current key; `reencrypt` moves
/// every value; `remove` refuses the current key, a key that still protects values or that was current less than
/// 15 minutes ago, and sets a spent one aside.
@Suite struct KeysCommandLineTests {
    static func run(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        try await CommandLineTests.run("bangfu-admin", arguments)
    }

    @Test func rotateReencryptAndRemoveAnOldKey() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bangfu-keys-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let db = directory.appendingPathComponent("bangfu.sqlite").path
        let seed = try await Self.run(["seed", "--db", db, "--households", "30", "--seed", "5"])
        #expect(seed.status == 0, "\(seed.output)")
        let keys = KeyDirectory(path: directory.appendingPathComponent("keys").path)
        let first = try keys.load().current.id
        let mode = try FileManager.default.attributesOfItem(atPath: keys.path)[.posixPermissions] as? Int
        #expect(mode == 0o700, "the key directory is its owner's only")

        let listed = try await Self.run(["keys", "list", "--db", db])
        let count = try #require(Self.count(of: first, in: listed.output))
        #expect(listed.status == 0 && listed.output.contains("\(first)\tcurrent") && count > 30, "\(listed.output)")

        let rotated = try await Self.run(["keys", "rotate", "--db", db])
        let second = try keys.load().current.id
        #expect(rotated.status == 0 && second != first && rotated.output.contains("current key \(second)"), "\(rotated.output)")
        let refused = try await Self.run(["keys", "remove", first, "--db", db])
        #expect(refused.status != 0 && refused.output.contains("still use key \(first)"), "\(refused.output)")

        let moved = try await Self.run(["keys", "reencrypt", "--db", db])
        #expect(moved.status == 0 && moved.output.contains("records and 0 conflicts under \(second)"), "\(moved.output)")
        let after = try await Self.run(["keys", "list", "--db", db])
        #expect(Self.count(of: first, in: after.output) == 0 && Self.count(of: second, in: after.output) == count,
                "\(after.output)")
        let current = try await Self.run(["keys", "remove", second, "--db", db])
        #expect(current.status != 0 && current.output.contains("current key cannot be removed"), "\(current.output)")
        // Spent, but current a moment ago: a server may not have re-read the directory yet.
        let early = try await Self.run(["keys", "remove", first, "--db", db])
        #expect(early.status != 0 && early.output.contains("less than 15 minutes ago"), "\(early.output)")
        // The record of when it retired, moved 16 minutes back, as if the operator had waited.
        let marker = (keys.path as NSString).appendingPathComponent("data/\(first).retired")
        try FileManager.default.removeItem(atPath: marker)
        try Data("\(KeyDirectory.nowMillis() - 16 * 60 * 1000)\n".utf8).write(to: URL(fileURLWithPath: marker))
        let removed = try await Self.run(["keys", "remove", first, "--db", db])
        #expect(removed.status == 0 && removed.output.contains("removed key \(first)"), "\(removed.output)")
        #expect(try keys.load().keys.keys.sorted() == [second])
        #expect(FileManager.default.fileExists(atPath: (keys.path as NSString).appendingPathComponent("data/removed/\(first).key")))
    }

    /// The count `keys list` prints for `keyId`.
    static func count(of keyId: String, in output: String) -> Int? {
        for line in output.split(separator: "\n") where line.hasPrefix(keyId + "\t") {
            return Int(line.split(separator: "\t").last?.split(separator: " ").first ?? "")
        }
        return nil
    }
}
