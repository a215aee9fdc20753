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
/// Versions are still numbered from one head, as on SQLite: every write transaction first locks the `head`
/// row of `meta`, so versions commit in order and a reader's snapshot never holds `v` while a smaller
/// version can still commit. That is correct on any number of nodes but serial: docs/log-positions.md
/// replaces it with per-record revisions and a sequencer (issue 8). Pulls read one `REPEATABLE READ`
/// snapshot and never wait for writers.
package final class PostgresSyncStore: SyncStore, Service {
    let client: PostgresClient
    let logger: Logger

    /// A store on the database at `url` (`postgres://user[:password]@host[:port]/database[?sslmode=…]`).
    /// Nothing connects until `run()` runs (the server's service group, or a test's task).
    package init(url: String, logger: Logger) throws {
        client = PostgresClient(configuration: try Self.configuration(url), backgroundLogger: logger)
        self.logger = logger
    }

    /// Runs the connection pool until cancelled.
    package func run() async throws {
        await client.run()
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
        return PostgresClient.Configuration(host: host, port: components.port ?? 5432, username: user,
                                            password: components.password, database: database.isEmpty ? nil : database,
                                            tls: tls)
    }

    package func migrate() async throws {
        try await PostgresMigrations.migrate(client, logger: logger)
    }

    package func applyPush(_ load: PushLoad, planner: @escaping @Sendable (PushSnapshot) -> PushPlan) async throws -> PushPlan {
        try await transaction { connection in
            let head = try await lockHead(connection)
            let lastApplied = try await scalar(
                "SELECT last_applied_seq FROM devices WHERE device_id = \(load.deviceId) FOR UPDATE", on: connection) ?? 0
            let snapshot = PushSnapshot(
                lastAppliedSeq: lastApplied, headVersion: head,
                storedOutcomes: try await outcomes(connection, deviceId: load.deviceId,
                                                   seqs: load.seqs.filter { $0 <= lastApplied }),
                records: try await records(connection, keys: load.keys),
                scope: load.scope.resolve(try await assignments(connection, of: load.scope.assignmentsOf)))
            let plan = planner(snapshot)
            try await write(plan, deviceId: load.deviceId, on: connection)
            return plan
        }
    }

    package func pull(_ query: PullQuery) async throws -> PullPage {
        try await transaction { connection in
            // One snapshot for the whole page: the scope, the head and the records it filters agree.
            try await connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", logger: logger)
            let head = try await meta("head", on: connection)
            let lastApplied = try await scalar(
                "SELECT last_applied_seq FROM devices WHERE device_id = \(query.deviceId)", on: connection) ?? 0
            let scope = query.scope.resolve(try await assignments(connection, of: query.scope.assignmentsOf))
            let assembler = PullAssembler(scope: scope, after: query.after, maxBytes: query.maxBytes)
            let movedIn = try await householdRecords(connection, assembler.movedInHouseholds).map(Self.sized)
            let movedOut = try await householdKeys(connection, assembler.movedOutHouseholds)
            let page = try await assembler.assemble(movedIn: movedIn, movedOut: movedOut) { afterVersion, limit in
                var binds = PostgresBindings()
                binds.append(afterVersion)
                binds.append(head)
                let clause = Self.scopeClause(scope, binds: &binds)
                binds.append(Int64(limit))
                let sql = """
                    SELECT * FROM records WHERE version > $1 AND version <= $2 AND (\(clause))
                    ORDER BY version LIMIT $\(binds.count)
                    """
                return try await rows(PostgresQuery(unsafeSQL: sql, binds: binds), on: connection).map(Self.sized)
            }
            return PullPage(items: page.items, hasMore: page.hasMore,
                            cursor: page.hasMore ? page.lastPosition! : max(head, query.after),
                            head: head, lastAppliedSeq: lastApplied, epoch: try await meta("epoch", on: connection),
                            compactedThrough: try await meta("compacted_through", on: connection))
        }
    }

    package func importRecords(_ records: [SyncRecord]) async throws -> Int64 {
        try await transaction { connection in
            var head = try await lockHead(connection)
            var numbered: [SyncRecord] = []
            numbered.reserveCapacity(records.count)
            for var record in records {
                head += 1
                record.version = head
                numbered.append(record)
            }
            try await upsert(numbered, on: connection)
            try await setHead(head, on: connection)
            return head
        }
    }

    package func record(_ key: RecordKey) async throws -> SyncRecord? {
        try await client.withConnection { connection in try await records(connection, keys: [key])[key] }
    }

    package func count(_ collection: CollectionName) async throws -> Int {
        try await client.withConnection { connection in
            Int(try await scalar("""
                SELECT COUNT(*) FROM records WHERE collection = \(collection.rawValue) AND deleted = FALSE
                """, on: connection) ?? 0)
        }
    }

    package func headVersion() async throws -> Int64 {
        try await client.withConnection { connection in try await meta("head", on: connection) }
    }
}
