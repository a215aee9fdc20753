import PostgresNIO
import SyncStore
import SyncTesting
import Testing
@testable import SyncStorePostgres

/// How the PostgreSQL adapter sorts real server errors: the ones that mean "the database is not there now"
/// become `unavailable` (the edge answers 503 and the device retries), lost races are run again, and
/// anything else is a `database` failure that names its SQLSTATE but not the statement. Each error is
/// raised by the real server with its SQLSTATE, not constructed in the test.
@Suite(.enabled(if: PostgresTestDatabase.url != nil, "BANGFU_TEST_POSTGRES_URL is not set"))
struct PostgresErrorMappingTests {
    /// Raises `state` on the server inside a transaction and returns what the adapter threw.
    static func raised(_ state: String, on store: PostgresSyncStore) async -> any Error {
        do {
            try await store.transaction { connection in
                _ = try await connection.query(
                    PostgresQuery(unsafeSQL: "DO $$ BEGIN RAISE EXCEPTION 'secret-value-in-statement' USING ERRCODE = '\(state)'; END $$"),
                    logger: store.logger)
            }
            return CancellationError()
        } catch {
            return error
        }
    }

    @Test(arguments: ["57P01", "57P02", "57P03", "25006", "57014", "25P03", "53300", "08006", "08001"])
    func aDatabaseThatIsNotThereNowIsUnavailable(_ state: String) async throws {
        try await PostgresTestDatabase.withStore { store in
            let error = await Self.raised(state, on: store)
            #expect((error as? SyncStoreError)?.code == .unavailable, "SQLSTATE \(state) gave \(error)")
            #expect(!PostgresSyncStore.isRace(error))
        }
    }

    @Test(arguments: ["40P01", "40001", "23505"])
    func aLostRaceIsRunAgain(_ state: String) async throws {
        try await PostgresTestDatabase.withStore { store in
            let error = await Self.raised(state, on: store)
            #expect(PostgresSyncStore.isRace(error), "SQLSTATE \(state) gave \(error)")
            #expect(!(error is SyncStoreError))
        }
    }

    @Test(arguments: ["22001", "23503", "42P01", "XX000"])
    func anythingElseIsADatabaseFailureNamingItsStateButNotTheStatement(_ state: String) async throws {
        try await PostgresTestDatabase.withStore { store in
            let error = await Self.raised(state, on: store)
            let storeError = try #require(error as? SyncStoreError, "SQLSTATE \(state) gave \(error)")
            #expect(storeError.code == .database)
            #expect("\(storeError)".contains(state))
            #expect(!"\(storeError)".contains("secret-value-in-statement"))
            #expect(!PostgresSyncStore.isRace(error))
        }
    }

    /// A connection the server ends in the middle (as a crashed primary would) is unavailable, and the pool
    /// serves the next transaction on a fresh connection.
    ///
    /// Disabled: it passes alone in about 2 s, but in a full run it hung for minutes (twice, 2026-11-29),
    /// after the terminated transaction, in the pool or its shutdown. That is likely the same postgres-nio
    /// behaviour as the syncs that wait out their 30 s timeout around a failover (docs/operations.md, known
    /// problems); until it is understood the cluster script's `--kill-node` and `--failover` runs are what
    /// exercise lost connections.
    @Test(.disabled("hangs intermittently after the server terminates the connection; see the comment"))
    func aConnectionCutMidTransactionIsUnavailableAndTheNextOneWorks() async throws {
        try await PostgresTestDatabase.withStore { store in
            do {
                try await store.transaction { connection in
                    _ = try await connection.query("SELECT pg_terminate_backend(pg_backend_pid())", logger: store.logger)
                }
                Issue.record("the terminated transaction succeeded")
            } catch {
                #expect((error as? SyncStoreError)?.code == .unavailable, "gave \(error)")
            }
            let one = try await store.transaction { connection in
                try await connection.query("SELECT 1", logger: store.logger).collect().count
            }
            #expect(one == 1)
        }
    }
}
