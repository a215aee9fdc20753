import Foundation
import GRDB
import SyncStoreSQLite
import SyncTesting
import Testing

/// Editing, deleting and reordering audit entries directly in the database is caught by verify, at the
/// right entry, on SQLite and PostgreSQL (protocol/audit.md §5). The append-only triggers refuse those
/// statements while they are there; the tamperer drops them first, as the database's owner can.
@Suite struct AuditTamperTests {
    static let tamperings = AuditTamperCheck.Tampering.allCases

    /// A statement on another connection, as an intruder with the file would run it.
    static func sqliteExecutor(_ path: String) -> @Sendable (String) async throws -> Void {
        { sql in
            let queue = try DatabaseQueue(path: path)
            try await queue.write { db in try db.execute(sql: sql) }
        }
    }

    static func withSQLiteStore(_ body: (SQLiteSyncStore, String) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bangfu-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("store.sqlite").path
        try await body(try SQLiteSyncStore(path: path), path)
    }

    @Test(arguments: tamperings)
    func sqliteTamperingIsFound(_ tampering: AuditTamperCheck.Tampering) async throws {
        try await Self.withSQLiteStore { store, path in
            try await AuditTamperCheck.run(tampering, store: store, dialect: .sqlite, execute: Self.sqliteExecutor(path))
        }
    }

    @Test(.enabled(if: PostgresTestDatabase.url != nil, "BANGFU_TEST_POSTGRES_URL is not set"), arguments: tamperings)
    func postgresTamperingIsFound(_ tampering: AuditTamperCheck.Tampering) async throws {
        try await PostgresTestDatabase.withStoreAndSQL { store, execute in
            try await AuditTamperCheck.run(tampering, store: store, dialect: .postgres, execute: execute)
        }
    }

    @Test func sqliteAuditLogRefusesUpdateAndDelete() async throws {
        try await Self.withSQLiteStore { store, path in
            try await AuditTamperCheck.appendOnlyRefusesEdits(store: store, dialect: .sqlite, execute: Self.sqliteExecutor(path))
        }
    }

    @Test(.enabled(if: PostgresTestDatabase.url != nil, "BANGFU_TEST_POSTGRES_URL is not set"))
    func postgresAuditLogRefusesUpdateDeleteAndTruncate() async throws {
        try await PostgresTestDatabase.withStoreAndSQL { store, execute in
            try await AuditTamperCheck.appendOnlyRefusesEdits(store: store, dialect: .postgres, execute: execute)
        }
    }
}
