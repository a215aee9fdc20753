import PostgresNIO
import Synchronization
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

    /// A full pool whose connections the server ends must serve the next caller on fresh connections. Three
    /// connections: the log listener's and two held in `pg_sleep`; a third caller queues; both sleepers are
    /// terminated; it must get its answer.
    ///
    /// Disabled: it reproduces the intermittent hang of long PostgreSQL runs. Alone on an idle machine it
    /// passes in 2 s; with the two cores busy (2026-12-07: two `yes` loops) 5 of 8 runs never ended and one
    /// failed (the queued caller was not served within 15 s), and in one full CI run it hung the suite. The
    /// same with `minimumConnections = 2` in the pool's options (postgres-nio issue #657 describes closed
    /// connections not being replaced for queued leases), so that is not the whole cause. Left here as the
    /// reproduction for whoever takes it up: `swift test --filter aQueuedCallerIsServed` with it enabled.
    @Test(.disabled("reproduces the intermittent PostgreSQL pool hang; see the comment"))
    func aQueuedCallerIsServedAfterTheServerEndsEveryBusyConnection() async throws {
        try await PostgresTestDatabase.withDatabase { url in
            let store = try PostgresSyncStore(url: url + "?pool_max_conns=3", logger: PostgresTestDatabase.logger)
            let raw = PostgresClient(configuration: try PostgresSyncStore.configuration(url), backgroundLogger: PostgresTestDatabase.logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await store.run() }
                group.addTask { await raw.run() }
                defer { group.cancelAll() }
                try await store.migrate()
                @Sendable func count(_ condition: String) async throws -> Int {
                    var total = 0
                    for try await value in try await raw.query(PostgresQuery(unsafeSQL: """
                        SELECT count(*)::int FROM pg_stat_activity WHERE datname = current_database()
                          AND pid <> pg_backend_pid() AND \(condition)
                        """), logger: PostgresTestDatabase.logger).decode(Int.self) { total = value }
                    return total
                }
                for _ in 0..<2 {
                    group.addTask {
                        _ = try? await store.transaction { connection in
                            try await connection.query("SELECT pg_sleep(20)", logger: store.logger).collect()
                        }
                    }
                }
                var waited = 0
                while try await count("query LIKE 'SELECT pg_sleep%' AND state = 'active'") < 2 {
                    waited += 1
                    try #require(waited < 200, "the two sleepers never started")
                    try await Task.sleep(for: .milliseconds(50))
                }
                let served = Atomic<Bool>(false)
                let answer = Task {
                    _ = try await store.headVersion()
                    served.store(true, ordering: .releasing)
                }
                try await Task.sleep(for: .milliseconds(300))
                _ = try await raw.query("""
                    SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                    WHERE datname = current_database() AND query LIKE 'SELECT pg_sleep%' AND pid <> pg_backend_pid()
                    """, logger: PostgresTestDatabase.logger).collect()
                // Polled, not awaited: a caller stranded in the pool would hang the test instead of failing it.
                for _ in 0..<150 where !served.load(ordering: .acquiring) { try await Task.sleep(for: .milliseconds(100)) }
                let wasServed = served.load(ordering: .acquiring)
                answer.cancel()
                #expect(wasServed, "the queued caller was never served after its pool's connections were ended")
            }
        }
    }
}
