import Foundation
import GRDB
import SyncStoreSQLite
import SyncTesting
import Testing

/// Editing, deleting and reordering audit entries directly in the database is caught by verify, at the
/// right entry, on SQLite and PostgreSQL (protocol/audit.md §5).
@Suite struct AuditTamperTests {
    static let tamperings = AuditTamperCheck.Tampering.allCases

    @Test(arguments: tamperings)
    func sqliteTamperingIsFound(_ tampering: AuditTamperCheck.Tampering) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bangfu-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("store.sqlite").path
        let store = try SQLiteSyncStore(path: path)
        try await AuditTamperCheck.run(tampering, store: store, dialect: .sqlite) { sql in
            // Another connection, as an intruder with the file would have.
            let queue = try DatabaseQueue(path: path)
            try await queue.write { db in try db.execute(sql: sql) }
        }
    }

    @Test(.enabled(if: PostgresTestDatabase.url != nil, "BANGFU_TEST_POSTGRES_URL is not set"), arguments: tamperings)
    func postgresTamperingIsFound(_ tampering: AuditTamperCheck.Tampering) async throws {
        try await PostgresTestDatabase.withStoreAndSQL { store, execute in
            try await AuditTamperCheck.run(tampering, store: store, dialect: .postgres, execute: execute)
        }
    }
}
