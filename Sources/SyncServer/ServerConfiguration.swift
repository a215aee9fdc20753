import Logging

/// Everything `bangfu-server` can be configured with. Each key is documented once, in README.md
/// ("Configuration"); values come from flags, then environment, then a JSON file, then these defaults.
package struct ServerConfiguration: Sendable, Hashable, Codable {
    package var host: String = "127.0.0.1"
    package var port: Int = 8443
    /// SQLite database file (the embedded default, used when `postgres` is unset).
    package var db: String = "data/bangfu.sqlite"
    /// PostgreSQL URL (`postgres://user[:password]@host[:port]/database[?sslmode=disable|prefer|require]`):
    /// when set, the server keeps its data there instead of in `db`, and several nodes may share it.
    package var postgres: String?
    /// PEM certificate chain and private key; TLS is mandatory, there is no plaintext listener.
    package var tlsCert: String?
    package var tlsKey: String?
    /// Bearer token for `/admin/v1/*`; the admin API answers 403 when unset.
    package var adminToken: String?
    package var maxBodyBytes: Int = 4 * 1024 * 1024
    package var maxClockSkewSeconds: Int = 300
    package var pullPageBytes: Int = 262_144
    /// Offline horizon: tombstones older than this are compacted daily; 0 turns the server's compaction off.
    package var compactionHorizonDays: Int = 90
    /// Requests handled at once before the server answers 503 + Retry-After.
    package var maxConcurrentRequests: Int = 512
    /// Seconds a new connection may take to complete its TLS handshake before it is closed.
    package var handshakeTimeoutSeconds: Int = 10
    /// Refused attempts a minute allowed per client address at `POST /sync/enrol` and `POST /sync/token`
    /// together (a token bucket refilled at this rate; a successful attempt does not count); 0 turns the
    /// limit off. Beyond it: 429 `rate_limited` + Retry-After.
    package var enrolAttemptsPerMinute: Int = 10
    /// The bucket's size: refused attempts allowed at once from an address after a quiet spell.
    package var enrolAttemptsBurst: Int = 10
    package var logLevel: String = "info"
    /// File holding the audit log's 32-byte key (protocol/audit.md §3); every node of a cluster needs the
    /// same file. Unset with SQLite: `audit.key` next to the database, created on first start.
    package var auditKeyFile: String?
    /// Directory of the data keys that encrypt personal data at rest (docs/personal-data.md), the same on
    /// every node; `BANGFU_DATA_KEYS` may hold the keys instead. Unset with SQLite: `keys/` next to the
    /// database, created on first start.
    package var keysDir: String?

    package init() {}

    /// The log level, falling back to `info` for an unknown name.
    package var loggerLevel: Logger.Level { Logger.Level(rawValue: logLevel) ?? .info }
}
