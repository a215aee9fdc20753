import Foundation
import GRDB
import SyncService
import SyncStore
import SyncStoreSQLite
import SyncTesting
import Testing

/// Personal data is encrypted at rest on both stores (issue 9, docs/personal-data.md): after seeding, a
/// device's push, a hard conflict on an ID number and refused writes, a raw read of the database — the
/// SQLite file and its WAL byte by byte, every PostgreSQL table as text — finds none of the ID and phone
/// numbers written, while reads through the cipher return them all.
@Suite struct PersonalDataAtRestTests {
    @Test func theSQLiteFilesHoldNoIDOrPhoneNumber() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bangfu-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("store.sqlite").path
        let store = try SQLiteSyncStore(path: path)
        let written = try await PersonalDataAtRest.write(into: store)
        #expect(written.values.count > 20, "the fixture wrote \(written.values.count) personal values")
        var files: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: directory.path) {
            files[name] = try Data(contentsOf: directory.appendingPathComponent(name))
        }
        #expect(files["store.sqlite"].map { $0.count > 0 } == true)
        for (name, bytes) in files {
            let found = written.values.filter { bytes.range(of: Data($0.utf8)) != nil }
            #expect(found.isEmpty, "\(name) holds \(found.count) personal values in plaintext")
        }
        // The scan can find what is there: the seeded household ids are in plaintext.
        let anyId = Data(written.conflictedMember.id.utf8)
        #expect(files.values.contains { $0.range(of: anyId) != nil }, "the scan finds nothing at all")
    }

    @Test(.enabled(if: PostgresTestDatabase.url != nil, "BANGFU_TEST_POSTGRES_URL is not set"))
    func thePostgreSQLTablesHoldNoIDOrPhoneNumber() async throws {
        try await PostgresTestDatabase.withStoreAndQuery { store, query in
            let written = try await PersonalDataAtRest.write(into: store)
            let tables = try await query("""
                SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name
                """)
            #expect(tables.contains("records") && tables.contains("conflicts") && tables.contains("rejections"))
            var everything = ""
            for table in tables {
                let text = try await query("SELECT coalesce(string_agg(t::text, E'\\n'), '') FROM \"\(table)\" t").joined()
                // bytea columns print as hex: look for each value as text and as the hex of its bytes.
                let found = written.values.filter { text.contains($0) || text.contains(Self.hex($0)) }
                #expect(found.isEmpty, "table \(table) holds \(found.count) personal values in plaintext")
                everything += text
            }
            #expect(everything.contains(Self.hex(written.conflictedMember.id)), "the scan finds nothing at all")
        }
    }

    static func hex(_ text: String) -> String { text.utf8.map { String(format: "%02x", $0) }.joined() }
}
