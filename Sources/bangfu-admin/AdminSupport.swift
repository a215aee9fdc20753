import ArgumentParser
import FieldDomain
import Foundation
import Logging
import SyncService
import SyncStore
import SyncStoreSQLite

/// The `--db` option every admin command takes.
struct DatabaseOptions: ParsableArguments {
    @Option(help: "SQLite database file.") var db: String = "data/bangfu.sqlite"

    func openService() async throws -> SyncService {
        let store = try SQLiteSyncStore(path: db)
        try await store.migrate()
        var logger = Logger(label: "bangfu-admin")
        logger.logLevel = .warning
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
