import ArgumentParser
import FieldDomain
import Foundation
import Logging
import SyncService
import SyncStore
import SyncStorePostgres
import SyncStoreSQLite

/// The `--db` / `--postgres` options every admin command takes: the store the server uses.
struct DatabaseOptions: ParsableArguments {
    @Option(help: "SQLite database file.") var db: String = "data/bangfu.sqlite"
    @Option(help: "PostgreSQL URL instead of the SQLite file, as bangfu-server --postgres (BANGFU_POSTGRES).")
    var postgres: String?

    /// Where the data is, for messages.
    var location: String { postgresURL.map { _ in "PostgreSQL" } ?? db }

    var postgresURL: String? {
        postgres ?? ProcessInfo.processInfo.environment["BANGFU_POSTGRES"].flatMap { $0.isEmpty ? nil : $0 }
    }

    func openService() async throws -> SyncService {
        var logger = Logger(label: "bangfu-admin")
        logger.logLevel = .error
        let store: any SyncStore
        if let url = postgresURL {
            let postgres = try PostgresSyncStore(url: url, logger: logger)
            // The pool runs for the life of this short command; its exit closes the connections.
            Task { try await postgres.run() }
            store = postgres
        } else {
            store = try SQLiteSyncStore(path: db)
        }
        try await store.migrate()
        return SyncService(store: store, now: { Int64((Date().timeIntervalSince1970 * 1000).rounded()) },
                           randomBytes: { count in (0..<count).map { _ in UInt8.random(in: .min ... .max) } },
                           logger: logger)
    }
}

extension DatabaseOptions {
    /// The tool works on the database file directly, as the operator who runs the server.
    static let operatorPrincipal = Principal.admin(id: SyncService.operatorId, role: .operator, region: "")
}

/// Formats milliseconds since 1970 as local time for tables.
func formatTime(_ millis: Int64?) -> String {
    guard let millis else { return "—" }
    let formatter = DateFormatter()
    formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
    formatter.timeZone = TimeZone(identifier: "Asia/Shanghai")
    return formatter.string(from: Date(timeIntervalSince1970: Double(millis) / 1000))
}
