import Foundation
import Logging
import PostgresNIO
import SyncStorePostgres

/// A fresh PostgreSQL database per check on the server `BANGFU_TEST_POSTGRES_URL` names (scripts/test.sh
/// starts a throwaway one and sets it); without it the PostgreSQL tests are skipped.
package enum PostgresTestDatabase {
    package static let url = ProcessInfo.processInfo.environment["BANGFU_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }

    package static var logger: Logger {
        var logger = Logger(label: "postgres-test")
        // postgres-nio warns when a lease is asked for before the pool's task has started; it then waits.
        logger.logLevel = .error
        return logger
    }

    /// Runs `body` with a store on a new, empty database, running its pool; drops the database afterwards.
    /// Returns nil, running nothing, when no server is configured.
    @discardableResult
    package static func withStore<T: Sendable>(_ body: (PostgresSyncStore) async throws -> T) async throws -> T? {
        try await withDatabase { databaseURL in
            let store = try PostgresSyncStore(url: databaseURL, logger: logger)
            return try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await store.run() }
                defer { group.cancelAll() }
                return try await body(store)
            }
        }
    }

    /// Runs `body` with a store on a new, empty database and a way to run raw SQL on that database (one
    /// statement per call): for tests that tamper with what the store wrote.
    @discardableResult
    package static func withStoreAndSQL<T: Sendable>(
        _ body: (PostgresSyncStore, @escaping @Sendable (String) async throws -> Void) async throws -> T
    ) async throws -> T? {
        try await withStoreAndQuery { store, query in try await body(store) { sql in _ = try await query(sql) } }
    }

    /// Runs `body` with a store on a new, empty database and a way to read it raw: `query` answers the first
    /// column of each row of one statement as text (NULL as ""). For tests that look at what the store wrote.
    @discardableResult
    package static func withStoreAndQuery<T: Sendable>(
        _ body: (PostgresSyncStore, @escaping @Sendable (String) async throws -> [String]) async throws -> T
    ) async throws -> T? {
        try await withDatabase { databaseURL in
            let store = try PostgresSyncStore(url: databaseURL, logger: logger)
            let client = PostgresClient(configuration: try PostgresSyncStore.configuration(databaseURL),
                                        backgroundLogger: logger)
            return try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await store.run() }
                group.addTask { await client.run() }
                defer { group.cancelAll() }
                return try await body(store) { sql in
                    var texts: [String] = []
                    for try await row in try await client.query(PostgresQuery(unsafeSQL: sql), logger: logger) {
                        texts.append(try row.makeRandomAccess()[0].decode(String?.self) ?? "")
                    }
                    return texts
                }
            }
        }
    }

    /// Runs `body` with `count` stores over one new database, each with its own running pool: server nodes.
    @discardableResult
    package static func withNodes<T: Sendable>(_ count: Int, _ body: ([PostgresSyncStore]) async throws -> T)
        async throws -> T?
    {
        try await withDatabase { databaseURL in
            let nodes = try (0..<count).map { _ in try PostgresSyncStore(url: databaseURL, logger: logger) }
            return try await withThrowingTaskGroup(of: Void.self) { group in
                for node in nodes { group.addTask { try await node.run() } }
                defer { group.cancelAll() }
                return try await body(nodes)
            }
        }
    }

    /// Runs `body` with the URL of a new, empty database; drops it afterwards. Returns nil, running
    /// nothing, when no server is configured.
    @discardableResult
    package static func withDatabase<T: Sendable>(_ body: (String) async throws -> T) async throws -> T? {
        guard let url, var components = URLComponents(string: url) else { return nil }
        let name = "bangfu_t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(20)
        try await onServer(url) { client in
            try await client.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: logger)
        }
        components.path = "/" + name
        let result: T
        do {
            result = try await body(components.string!)
        } catch {
            try? await drop(name, url: url)
            throw error
        }
        try await drop(name, url: url)
        return result
    }

    static func drop(_ name: String, url: String) async throws {
        try await onServer(url) { client in
            try await client.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"), logger: logger)
        }
    }

    /// Runs `body` with a client on the database of `url`.
    static func onServer(_ url: String, _ body: @Sendable (PostgresClient) async throws -> Void) async throws {
        let client = PostgresClient(configuration: try PostgresSyncStore.configuration(url), backgroundLogger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            try await body(client)
        }
    }
}
