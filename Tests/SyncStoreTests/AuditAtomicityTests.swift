import SyncTesting
import Testing

/// Each audited write of the admin directory, the device registry and compaction commits its entry in its
/// own transaction: when the database refuses the entry, the action is not kept either (protocol/audit.md
/// §1), on SQLite and PostgreSQL.
@Suite struct AuditAtomicityTests {
    @Test func sqliteActionWithoutItsEntryIsNotKept() async throws {
        try await AuditTamperTests.withSQLiteStore { store, path in
            try await AuditAtomicityCheck.run(store: store, dialect: .sqlite, execute: AuditTamperTests.sqliteExecutor(path))
        }
    }

    @Test(.enabled(if: PostgresTestDatabase.url != nil, "BANGFU_TEST_POSTGRES_URL is not set"))
    func postgresActionWithoutItsEntryIsNotKept() async throws {
        try await PostgresTestDatabase.withStoreAndSQL { store, execute in
            try await AuditAtomicityCheck.run(store: store, dialect: .postgres, execute: execute)
        }
    }
}
