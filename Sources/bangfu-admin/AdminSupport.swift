import ArgumentParser
import Crypto
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
    @Option(name: .customLong("audit-key-file"),
            help: "32-byte audit key file, as bangfu-server's (BANGFU_AUDIT_KEY_FILE; SQLite default: audit.key next to --db).")
    var auditKeyFile: String?
    @Option(name: .customLong("keys-dir"),
            help: "Data key directory, as bangfu-server's (BANGFU_KEYS_DIR or BANGFU_DATA_KEYS; SQLite default: keys/ next to --db).")
    var keysDir: String?

    /// The data key directory the command uses: `--keys-dir`, `BANGFU_KEYS_DIR`, or with SQLite `keys/` next
    /// to the database.
    var keysDirectory: String? {
        configuredKeysDir ?? (postgresURL == nil ? DataKeySource.defaultDirectory(sqlitePath: db) : nil)
    }

    /// `--keys-dir` or `BANGFU_KEYS_DIR`.
    var configuredKeysDir: String? {
        keysDir ?? ProcessInfo.processInfo.environment["BANGFU_KEYS_DIR"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Where the data is, for messages.
    var location: String { postgresURL.map { _ in "PostgreSQL" } ?? db }

    var postgresURL: String? {
        postgres ?? ProcessInfo.processInfo.environment["BANGFU_POSTGRES"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The service over the configured store. `writes`: the command writes audit entries, so it needs the
    /// cluster's audit key; reading the log (verify, show) does not.
    func openService(writes: Bool = true) async throws -> SyncService {
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
        let cipher: PersonalDataCipher
        let cardKeys: CardKeySource
        do {
            cipher = try DataKeySource.cipher(keysDir: configuredKeysDir, sqlitePath: postgresURL == nil ? db : nil)
            cardKeys = try CardKeySource.resolve(keysDir: configuredKeysDir, sqlitePath: postgresURL == nil ? db : nil)
        } catch let error as DataKeyError {
            throw ValidationError(error.description)
        }
        let file = auditKeyFile ?? ProcessInfo.processInfo.environment["BANGFU_AUDIT_KEY_FILE"].flatMap { $0.isEmpty ? nil : $0 }
        let auditKey: SymmetricKey
        do {
            // A reading command hashes nothing: it does not create or need the key file.
            auditKey = writes || file != nil
                ? try AuditKeyFile.resolve(path: file, sqlitePath: postgresURL == nil ? db : nil) : SymmetricKey(size: .bits256)
        } catch let error as AuditKeyError {
            throw ValidationError(error.description)
        }
        let service = SyncService(store: store, now: { Int64((Date().timeIntervalSince1970 * 1000).rounded()) },
                                  randomBytes: { count in (0..<count).map { _ in UInt8.random(in: .min ... .max) } },
                                  auditKey: auditKey, cipher: cipher, cardKeys: cardKeys, logger: logger)
        do { try await service.checkDataKeys() } catch let error as DataKeyError { throw ValidationError(error.description) }
        return service
    }
}

extension DatabaseOptions {
    /// The tool works on the database file directly, as the operator who runs the server.
    static let operatorPrincipal = Principal.admin(id: SyncService.operatorId, role: .operator, region: "")
}

/// Formats milliseconds since 1970 as local time for tables.
/// Prints rows as left-aligned columns, two spaces apart (the first row is the header).
func printTable(_ rows: [[String]]) {
    guard let header = rows.first else { return }
    let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
    for row in rows {
        print(row.indices.map { row[$0].padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  "))
    }
}

func formatTime(_ millis: Int64?) -> String {
    guard let millis else { return "—" }
    let formatter = DateFormatter()
    formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
    formatter.timeZone = TimeZone(identifier: "Asia/Shanghai")
    return formatter.string(from: Date(timeIntervalSince1970: Double(millis) / 1000))
}
