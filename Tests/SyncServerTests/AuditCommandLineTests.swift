import Foundation
import GRDB
import Testing

/// `bangfu-admin audit` as an operator runs it (protocol/audit.md §5–6).
@Suite struct AuditCommandLineTests {
    /// Runs a tool without blocking a thread of the shared pool while it runs (output to a file, exit
    /// awaited through the termination handler): timing tests elsewhere share those two threads.
    static func run(_ tool: String, _ arguments: [String]) async throws -> (status: Int32, output: String) {
        let url = CommandLineTests.binDirectory.appendingPathComponent(tool)
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("bangfu-cli-\(UUID().uuidString).log")
        defer { try? FileManager.default.removeItem(at: log) }
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let output = try FileHandle(forWritingTo: log)
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("BANGFU_") }
        process.standardOutput = output
        process.standardError = output
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do { try process.run() } catch { continuation.resume(throwing: error) }
        }
        try output.close()
        return (status, try String(contentsOf: log, encoding: .utf8))
    }

    @Test func verifyPrintsTheHeadAndFailsOnAnEditedEntryAndShowPrintsHistory() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bangfu-cli-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let db = directory.appendingPathComponent("a.sqlite").path
        #expect(try await Self.run("bangfu-admin", ["seed", "--db", db, "--households", "50", "--seed", "9"]).status == 0)
        for _ in 0..<3 {
            #expect(try await Self.run("bangfu-admin", ["enroll", "--db", db, "--helper", "hp52232700001"]).status == 0)
        }
        // The key file is created next to the database, readable by its owner only.
        let keyPath = directory.appendingPathComponent("audit.key").path
        let attributes = try FileManager.default.attributesOfItem(atPath: keyPath)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect((attributes[.size] as? Int) == 32)

        let ok = try await Self.run("bangfu-admin", ["audit", "verify", "--db", db])
        #expect(ok.status == 0 && ok.output.contains("OK") && ok.output.contains("3 entries"), "\(ok.output)")
        let head = ok.output.split(whereSeparator: \.isWhitespace).first { $0.count == 66 && $0.hasSuffix("@3") }.map(String.init)
        #expect(head != nil, "\(ok.output)")
        let anchored = try await Self.run("bangfu-admin", ["audit", "verify", "--db", db, "--expect-head", head ?? ""])
        #expect(anchored.status == 0, "\(anchored.output)")
        let badAnchor = try await Self.run("bangfu-admin", ["audit", "verify", "--db", db, "--expect-head", "nonsense"])
        #expect(badAnchor.status != 0 && badAnchor.output.contains("HASH@SEQ"))

        let queue = try DatabaseQueue(path: db)
        try await queue.write { db in
            // The append-only triggers refuse the edit; someone with the file drops them first.
            try db.execute(sql: "DROP TRIGGER audit_log_no_update")
            try db.execute(sql: """
                UPDATE audit_log SET body = CAST(replace(CAST(body AS TEXT), 'operator', 'someone') AS BLOB) WHERE seq = 2
                """)
        }
        let broken = try await Self.run("bangfu-admin", ["audit", "verify", "--db", db])
        #expect(broken.status == 1, "\(broken.output)")
        #expect(broken.output.contains("at seq 2") && broken.output.contains("edited"), "\(broken.output)")

        let history = try await Self.run("bangfu-admin", ["audit", "show", "--db", db, "--record", "households/x"])
        #expect(history.status != 0 || history.output.contains("0 entries"))
        let unknown = try await Self.run("bangfu-admin", ["audit", "show", "--db", db, "--record", "nothing/x"])
        #expect(unknown.status != 0 && unknown.output.contains("COLLECTION/ID"))
    }
}
