import Foundation

/// One layer of configuration: any key may be absent.
package struct ConfigurationLayer: Sendable, Hashable, Codable {
    package var host: String?
    package var port: Int?
    package var db: String?
    package var postgres: String?
    package var tlsCert: String?
    package var tlsKey: String?
    package var adminToken: String?
    package var maxBodyBytes: Int?
    package var maxClockSkewSeconds: Int?
    package var pullPageBytes: Int?
    package var compactionHorizonDays: Int?
    package var maxConcurrentRequests: Int?
    package var handshakeTimeoutSeconds: Int?
    package var enrolAttemptsPerMinute: Int?
    package var enrolAttemptsBurst: Int?
    package var logLevel: String?
    package var auditKeyFile: String?
    package var keysDir: String?

    package init() {}

    /// Reads the `BANGFU_*` variables.
    package init(environment: [String: String]) throws {
        func int(_ name: String) throws -> Int? {
            guard let raw = environment[name] else { return nil }
            guard let value = Int(raw) else { throw ConfigurationError("\(name) must be an integer") }
            return value
        }
        host = environment["BANGFU_HOST"]
        port = try int("BANGFU_PORT")
        db = environment["BANGFU_DB"]
        postgres = environment["BANGFU_POSTGRES"].flatMap { $0.isEmpty ? nil : $0 }
        tlsCert = environment["BANGFU_TLS_CERT"]
        tlsKey = environment["BANGFU_TLS_KEY"]
        adminToken = environment["BANGFU_ADMIN_TOKEN"]
        maxBodyBytes = try int("BANGFU_MAX_BODY_BYTES")
        maxClockSkewSeconds = try int("BANGFU_MAX_CLOCK_SKEW_SECONDS")
        pullPageBytes = try int("BANGFU_PULL_PAGE_BYTES")
        compactionHorizonDays = try int("BANGFU_COMPACTION_HORIZON_DAYS")
        maxConcurrentRequests = try int("BANGFU_MAX_CONCURRENT_REQUESTS")
        handshakeTimeoutSeconds = try int("BANGFU_HANDSHAKE_TIMEOUT_SECONDS")
        enrolAttemptsPerMinute = try int("BANGFU_ENROL_ATTEMPTS_PER_MINUTE")
        enrolAttemptsBurst = try int("BANGFU_ENROL_ATTEMPTS_BURST")
        logLevel = environment["BANGFU_LOG_LEVEL"]
        auditKeyFile = environment["BANGFU_AUDIT_KEY_FILE"].flatMap { $0.isEmpty ? nil : $0 }
        keysDir = environment["BANGFU_KEYS_DIR"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Reads a JSON file with the same keys as `ServerConfiguration`.
    package init(file path: String) throws {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw ConfigurationError("cannot read config file \(path)")
        }
        do { self = try JSONDecoder().decode(ConfigurationLayer.self, from: data) } catch {
            throw ConfigurationError("config file \(path) is not valid JSON with the documented keys")
        }
    }
}

/// A configuration that cannot be used.
package struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    package var description: String
    package init(_ description: String) { self.description = description }
}

extension ServerConfiguration {
    /// Resolves layers, highest precedence first (flags, environment, file), over the defaults, and checks
    /// the result.
    package static func resolve(_ layers: [ConfigurationLayer]) throws -> ServerConfiguration {
        var config = ServerConfiguration()
        for layer in layers.reversed() {
            if let value = layer.host { config.host = value }
            if let value = layer.port { config.port = value }
            if let value = layer.db { config.db = value }
            if let value = layer.postgres { config.postgres = value }
            if let value = layer.tlsCert { config.tlsCert = value }
            if let value = layer.tlsKey { config.tlsKey = value }
            if let value = layer.adminToken { config.adminToken = value }
            if let value = layer.maxBodyBytes { config.maxBodyBytes = value }
            if let value = layer.maxClockSkewSeconds { config.maxClockSkewSeconds = value }
            if let value = layer.pullPageBytes { config.pullPageBytes = value }
            if let value = layer.compactionHorizonDays { config.compactionHorizonDays = value }
            if let value = layer.maxConcurrentRequests { config.maxConcurrentRequests = value }
            if let value = layer.handshakeTimeoutSeconds { config.handshakeTimeoutSeconds = value }
            if let value = layer.enrolAttemptsPerMinute { config.enrolAttemptsPerMinute = value }
            if let value = layer.enrolAttemptsBurst { config.enrolAttemptsBurst = value }
            if let value = layer.logLevel { config.logLevel = value }
            if let value = layer.auditKeyFile { config.auditKeyFile = value }
            if let value = layer.keysDir { config.keysDir = value }
        }
        try config.validate()
        return config
    }

    /// Checks ranges and required keys.
    package func validate() throws {
        guard tlsCert != nil, tlsKey != nil else {
            throw ConfigurationError("TLS is required: set tlsCert and tlsKey (--tls-cert/--tls-key or BANGFU_TLS_CERT/BANGFU_TLS_KEY); scripts/make-dev-certs.sh makes dev certificates")
        }
        guard (0...65535).contains(port) else { throw ConfigurationError("port must be 0–65535") }
        guard maxBodyBytes >= 1024 else { throw ConfigurationError("maxBodyBytes must be at least 1024") }
        guard (1024...4_194_304).contains(pullPageBytes) else {
            throw ConfigurationError("pullPageBytes must be 1024–4194304")
        }
        guard maxClockSkewSeconds >= 0 else { throw ConfigurationError("maxClockSkewSeconds must be ≥ 0") }
        guard (0...3650).contains(compactionHorizonDays) else {
            throw ConfigurationError("compactionHorizonDays must be 0–3650 (0: no compaction)")
        }
        guard maxConcurrentRequests >= 1 else { throw ConfigurationError("maxConcurrentRequests must be ≥ 1") }
        guard (1...300).contains(handshakeTimeoutSeconds) else {
            throw ConfigurationError("handshakeTimeoutSeconds must be 1–300")
        }
        guard (0...100_000).contains(enrolAttemptsPerMinute) else {
            throw ConfigurationError("enrolAttemptsPerMinute must be 0–100000 (0: no limit)")
        }
        guard (1...100_000).contains(enrolAttemptsBurst) else {
            throw ConfigurationError("enrolAttemptsBurst must be 1–100000")
        }
        if let postgres, !(postgres.hasPrefix("postgres://") || postgres.hasPrefix("postgresql://")) {
            throw ConfigurationError("postgres must be a URL like postgres://user@host:5432/database")
        }
        if let adminToken, adminToken.count < 16 { throw ConfigurationError("adminToken must be at least 16 characters") }
    }
}
