import FieldDomain
import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import SyncEngine
import SyncModel
import SyncStore

/// The store for several stateless nodes over one PostgreSQL database (DESIGN §6), passing the same
/// conformance suite as SQLite and memory.
///
/// Nothing global is locked by a push (docs/log-positions.md): it locks its device's row and the rows of
/// the records it reads, in one fixed order, plans, writes the new states with no log position, commits,
/// and then runs a sequencer tick (`PostgresSyncStore+Sequencer.swift`) that gives them positions. Pushes
/// to different households on any number of nodes proceed in parallel and share group commit. Pulls read
/// one `REPEATABLE READ` snapshot up to the sequenced head and never wait for writers.
package final class PostgresSyncStore: SyncStore, Service {
    let client: PostgresClient
    let logger: Logger
    package let logAdvances = LogBroadcaster()
    let ticks = TickCoalescer()

    /// A store on the database at `url` (`postgres://user[:password]@host[:port]/database[?sslmode=…]`).
    /// Nothing connects until `run()` runs (the server's service group, or a test's task).
    package init(url: String, logger: Logger) throws {
        client = PostgresClient(configuration: try Self.configuration(url), backgroundLogger: logger)
        self.logger = logger
    }

    /// Runs the connection pool, and the sequencer's fallback loop, until cancelled. The loop stops first and
    /// the pool after it: a tick in flight when cancellation comes still has its connection (a lease from a
    /// pool that has stopped would wait for ever).
    package func run() async throws {
        let pool = Task { await client.run() }
        await withDiscardingTaskGroup { group in
            group.addTask { await self.runSequencer() }
            group.addTask { await self.runListener() }
        }
        pool.cancel()
        await pool.value
    }

    /// The client configuration for `url`; throws `invalidConfiguration` for anything else.
    package static func configuration(_ url: String) throws -> PostgresClient.Configuration {
        guard let components = URLComponents(string: url), ["postgres", "postgresql"].contains(components.scheme),
            let host = components.host, !host.isEmpty, let user = components.user, !user.isEmpty
        else {
            throw SyncStoreError(.invalidConfiguration, "PostgreSQL URL must look like postgres://user@host:port/database")
        }
        let database = String(components.path.drop { $0 == "/" })
        let mode = components.queryItems?.first { $0.name == "sslmode" }?.value ?? "prefer"
        let tls: PostgresClient.Configuration.TLS
        switch mode {
        case "disable": tls = .disable
        case "require", "verify-full": tls = .require(.makeClientConfiguration())
        default: tls = .prefer(.makeClientConfiguration())
        }
        var configuration = PostgresClient.Configuration(
            host: host, port: components.port ?? 5432, username: user, password: components.password,
            database: database.isEmpty ? nil : database, tls: tls)
        // A node that stalls or is cut off inside a transaction must not hold its row locks (a device's row,
        // records) for ever: the server ends such a session after 30 s idle in a transaction, and any
        // statement after 60 s; the device gets 503 and retries through another node.
        // `pool_max_conns` (pgx's name for it) bounds this node's connections; by default postgres-nio's 20.
        // Nodes sharing one database divide its `max_connections` (and its cores) between them. The log
        // listener holds one connection for good and a sequencer tick needs another, hence at least 3.
        if let text = components.queryItems?.first(where: { $0.name == "pool_max_conns" })?.value {
            guard let size = Int(text), (3...1000).contains(size) else {
                throw SyncStoreError(.invalidConfiguration, "pool_max_conns must be a whole number from 3 to 1000")
            }
            configuration.options.maximumConnections = size
        }
        configuration.options.additionalStartupParameters = [
            ("idle_in_transaction_session_timeout", "30000"), ("statement_timeout", "60000"),
        ]
        return configuration
    }

    package func migrate() async throws {
        try await PostgresMigrations.migrate(client, logger: logger)
    }

    package func applyPush(_ load: PushLoad, planner: @escaping @Sendable (PushSnapshot) -> PushPlan) async throws -> PushPlan {
        let plan = try await retryingRaces {
            try await self.transaction { connection in
                // The device's row first (a retry through another node waits here and then finds the stored
                // outcomes), then the records, in one order for every writer, so writers never deadlock.
                let lastApplied = try await self.scalar(
                    "SELECT last_applied_seq FROM devices WHERE device_id = \(load.deviceId) FOR UPDATE",
                    on: connection) ?? 0
                let records = try await self.records(connection, keys: load.keys, lock: true)
                let snapshot = PushSnapshot(
                    lastAppliedSeq: lastApplied,
                    storedOutcomes: try await self.outcomes(connection, deviceId: load.deviceId,
                                                            seqs: load.seqs.filter { $0 <= lastApplied }),
                    records: records,
                    scope: load.scope.resolve(try await self.assignments(connection, of: load.scope.assignmentsOf)))
                let plan = planner(snapshot)
                try await self.write(plan, existing: Set(records.keys), deviceId: load.deviceId, on: connection)
                return plan
            }
        }
        if !plan.writes.isEmpty { await sequenceAfterCommit() }
        return plan
    }

    package func pull(_ query: PullQuery) async throws -> PullPage {
        for _ in 0..<20 {
            if let page = try await pullPage(query) { return page }
            // An assignment of this device's helper was rewritten and is not in the log yet: its old state is
            // gone and its new one must not count before it has a position (a household would fall out of the
            // scope while the cursor moves on). Stamp it, then read again.
            try await sequence()
        }
        throw SyncStoreError(.unavailable, "an assignment stayed unsequenced; try again")
    }

    /// One page, or nil when the scope cannot be read yet (see `pull`).
    private func pullPage(_ query: PullQuery) async throws -> PullPage? {
        try await transaction { connection in
            // One snapshot for the whole page: the scope, the head and the records it filters agree.
            try await connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", logger: logger)
            let head = try await meta("head", on: connection)
            let lastApplied = try await scalar(
                "SELECT last_applied_seq FROM devices WHERE device_id = \(query.deviceId)", on: connection) ?? 0
            let assignments = try await assignments(connection, of: query.scope.assignmentsOf)
            guard assignments.allSatisfy({ $0.position > 0 }) else { return nil }
            let scope = query.scope.resolve(assignments)
            let assembler = PullAssembler(scope: scope, after: query.after, maxBytes: query.maxBytes)
            let movedIn = try await householdRecords(connection, assembler.movedInHouseholds, head: head).map(Self.sized)
            let movedOut = try await householdKeys(connection, assembler.movedOutHouseholds)
            let page = try await assembler.assemble(movedIn: movedIn, movedOut: movedOut) { afterPosition, limit in
                var binds = PostgresBindings()
                binds.append(afterPosition)
                binds.append(head)
                let clause = Self.scopeClause(scope, binds: &binds)
                binds.append(Int64(limit))
                let sql = """
                    SELECT * FROM records WHERE position > $1 AND position <= $2 AND (\(clause))
                    ORDER BY position LIMIT $\(binds.count)
                    """
                return try await rows(PostgresQuery(unsafeSQL: sql, binds: binds), on: connection).map(Self.sized)
            }
            return PullPage(items: page.items, hasMore: page.hasMore,
                            cursor: page.hasMore ? page.lastPosition! : max(head, query.after),
                            head: head, lastAppliedSeq: lastApplied, epoch: try await meta("epoch", on: connection),
                            compactedThrough: try await meta("compacted_through", on: connection))
        }
    }

    package func importRecords(_ records: [SyncRecord], audit: [AuditEntry]) async throws -> Int64 {
        try await retryingRaces {
            try await self.transaction { connection in
                // Each record replaces the current state at its next version (`revision + 1` in SQL, under
                // the row lock the upsert takes).
                try await self.upsert(records, mode: .nextRevision, on: connection)
                try await self.insertAudit(audit, on: connection)
            }
        }
        await sequenceAfterCommit()
        return try await headVersion()
    }

    package func record(_ key: RecordKey) async throws -> SyncRecord? {
        try await withConnection { connection in try await records(connection, keys: [key])[key] }
    }

    package func count(_ collection: CollectionName) async throws -> Int {
        try await withConnection { connection in
            Int(try await scalar("""
                SELECT COUNT(*) FROM records WHERE collection = \(collection.rawValue) AND deleted = FALSE
                """, on: connection) ?? 0)
        }
    }

    package func headVersion() async throws -> Int64 {
        try await withConnection { connection in try await meta("head", on: connection) }
    }
}
