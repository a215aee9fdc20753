import ArgumentParser
import Crypto
import Foundation
import Logging
import SyncServer
import SyncService
import SyncStorePostgres
import SyncStoreSQLite

/// `bangfu-server`: the TLS sync server. Configuration precedence: flags > environment > file > defaults.
@main
struct BangfuServer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bangfu-server", abstract: "帮扶同步服务器 — Bangfu Sync TLS server (SQLite by default).")

    @Option(help: "JSON configuration file (env BANGFU_CONFIG).") var config: String?
    @Option(help: "Address to listen on (BANGFU_HOST, default 127.0.0.1).") var host: String?
    @Option(help: "Port to listen on, 0 for any (BANGFU_PORT, default 8443).") var port: Int?
    @Option(help: "SQLite database file (BANGFU_DB, default data/bangfu.sqlite).") var db: String?
    @Option(help: "PostgreSQL URL instead of SQLite, e.g. postgres://bangfu@127.0.0.1:5432/bangfu (BANGFU_POSTGRES).")
    var postgres: String?
    @Option(name: .customLong("tls-cert"), help: "PEM certificate chain (BANGFU_TLS_CERT).") var tlsCert: String?
    @Option(name: .customLong("tls-key"), help: "PEM private key (BANGFU_TLS_KEY).") var tlsKey: String?
    @Option(name: .customLong("admin-token"), help: "Bearer token for /admin/v1 (BANGFU_ADMIN_TOKEN).") var adminToken: String?
    @Option(name: .customLong("max-body-bytes"), help: "Largest request body (BANGFU_MAX_BODY_BYTES, default 4194304).") var maxBodyBytes: Int?
    @Option(name: .customLong("max-clock-skew-seconds"), help: "Clamp stamps further ahead than this (default 300).") var maxClockSkewSeconds: Int?
    @Option(name: .customLong("pull-page-bytes"), help: "Default pull page size (default 262144).") var pullPageBytes: Int?
    @Option(name: .customLong("compaction-horizon-days"), help: "Compact tombstones older than this, daily (default 90; 0: off).")
    var compactionHorizonDays: Int?
    @Option(name: .customLong("max-concurrent-requests"), help: "Requests in flight before 503 (default 512).") var maxConcurrentRequests: Int?
    @Option(name: .customLong("handshake-timeout-seconds"), help: "Close connections without a TLS handshake after this (default 10).")
    var handshakeTimeoutSeconds: Int?
    @Option(name: .customLong("enrol-attempts-per-minute"),
            help: "Refused /sync/enrol and /sync/token attempts a minute per client address before 429 (default 10; 0: off).")
    var enrolAttemptsPerMinute: Int?
    @Option(name: .customLong("enrol-attempts-burst"), help: "Refused attempts allowed at once per address (default 10).")
    var enrolAttemptsBurst: Int?
    @Option(name: .customLong("log-level"), help: "trace|debug|info|notice|warning|error|critical (default info).") var logLevel: String?
    @Option(name: .customLong("audit-key-file"),
            help: "32-byte audit key file, the same on every node (BANGFU_AUDIT_KEY_FILE; SQLite default: audit.key next to the database).")
    var auditKeyFile: String?
    @Option(name: .customLong("keys-dir"),
            help: "Data key directory (bangfu-admin keys init), the same on every node (BANGFU_KEYS_DIR; or the keys in BANGFU_DATA_KEYS; SQLite default: keys/ next to the database).")
    var keysDir: String?

    func run() async throws {
        var flags = ConfigurationLayer()
        flags.host = host
        flags.port = port
        flags.db = db
        flags.postgres = postgres
        flags.tlsCert = tlsCert
        flags.tlsKey = tlsKey
        flags.adminToken = adminToken
        flags.maxBodyBytes = maxBodyBytes
        flags.maxClockSkewSeconds = maxClockSkewSeconds
        flags.pullPageBytes = pullPageBytes
        flags.compactionHorizonDays = compactionHorizonDays
        flags.maxConcurrentRequests = maxConcurrentRequests
        flags.handshakeTimeoutSeconds = handshakeTimeoutSeconds
        flags.enrolAttemptsPerMinute = enrolAttemptsPerMinute
        flags.enrolAttemptsBurst = enrolAttemptsBurst
        flags.logLevel = logLevel
        flags.auditKeyFile = auditKeyFile
        flags.keysDir = keysDir
        let environment = ProcessInfo.processInfo.environment
        var layers = [flags, try ConfigurationLayer(environment: environment)]
        if let file = config ?? environment["BANGFU_CONFIG"] { layers.append(try ConfigurationLayer(file: file)) }
        let configuration: ServerConfiguration
        do { configuration = try ServerConfiguration.resolve(layers) } catch let error as ConfigurationError {
            throw ValidationError(error.description)
        }
        var logger = Logger(label: "bangfu-server")
        logger.logLevel = configuration.loggerLevel
        let auditKey: SymmetricKey
        let cipher: PersonalDataCipher
        let cardKeys: CardKeySource
        do {
            let sqlitePath = configuration.postgres == nil ? configuration.db : nil
            auditKey = try AuditKeyFile.resolve(path: configuration.auditKeyFile, sqlitePath: sqlitePath)
            cipher = try DataKeySource.cipher(keysDir: configuration.keysDir, sqlitePath: sqlitePath)
            cardKeys = try CardKeySource.resolve(keysDir: configuration.keysDir, sqlitePath: sqlitePath)
        } catch let error as AuditKeyError {
            throw ValidationError(error.description)
        } catch let error as DataKeyError {
            throw ValidationError(error.description)
        }
        // The executable chooses the store; SQLite is the embedded default.
        if let url = configuration.postgres {
            let store = try PostgresSyncStore(url: url, logger: logger)
            try await SyncServerApplication.run(config: configuration, store: store, storeService: store,
                                                auditKey: auditKey, cipher: cipher, cardKeys: cardKeys, logger: logger)
        } else {
            try await SyncServerApplication.run(config: configuration, store: try SQLiteSyncStore(path: configuration.db),
                                                auditKey: auditKey, cipher: cipher, cardKeys: cardKeys, logger: logger)
        }
    }
}

