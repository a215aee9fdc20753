import Crypto
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL
import ServiceLifecycle
import SyncModel
import SyncService
import SyncStore

/// Builds and runs the TLS sync server (STYLE rule 10: the executable only parses arguments and calls this).
package enum SyncServerApplication {
    /// A request context whose response encoder does not escape `/` (TOOLCHAIN note), with the client's
    /// address for the credential routes' rate limit (`AttemptGate`).
    package struct Context: RequestContext, RemoteAddressRequestContext {
        package var coreContext: CoreRequestContextStorage
        package let remoteAddress: SocketAddress?
        package init(source: ApplicationRequestContextSource) {
            coreContext = .init(source: source)
            remoteAddress = source.channel.remoteAddress
        }
    }

    /// The routes over a service; exposed for in-process route tests.
    /// - Parameter attemptClock: the credential rate limit's monotonic clock (`AttemptGate`); by default the
    ///   continuous clock. Route tests pass their manual clock, so that the limit does not depend on how
    ///   fast a loaded machine runs them.
    package static func router(service: SyncService, config: ServerConfiguration,
                               attemptClock: (@Sendable () -> Duration)? = nil) -> Router<Context> {
        let router = Router(context: Context.self)
        router.add(middleware: ProtocolHeaderMiddleware())
        router.add(middleware: ErrorMiddleware())
        let knownRoutes = KnownRoutes()
        router.add(middleware: MethodNotAllowedMiddleware(routes: knownRoutes))
        router.add(middleware: OverloadGate(limit: config.maxConcurrentRequests, inFlight: InFlightCounter()))
        router.get("/health") { request, _ in
            try JSONResponse.make(Health(), request: request)
        }
        let syncRoutes = SyncRoutes<Context>(
            service: service, maxBodyBytes: config.maxBodyBytes, adminToken: config.adminToken,
            credentialAttempts: AttemptGate(perMinute: config.enrolAttemptsPerMinute, burst: config.enrolAttemptsBurst,
                                            now: attemptClock))
        syncRoutes.register(on: router)
        let adminRoutes = AdminRoutes<Context>(service: service, adminToken: config.adminToken)
        adminRoutes.register(on: router)
        CardRoutes<Context>(service: service, device: { try await syncRoutes.authenticate($0) },
                            admin: { try await adminRoutes.principal($0) })
            .register(on: router)
        knownRoutes.load(from: router)
        return router
    }

    /// The TLS 1.2 cipher suites offered: the AEAD suites of Mozilla's "intermediate" profile (forward secret,
    /// no CBC, no SHA-1 MACs). BoringSSL has no DHE suites, and TLS 1.3 suites are all AEAD and fixed.
    static let tls12CipherSuites = [
        "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
        "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
        "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305",
    ].joined(separator: ":")

    /// The server's TLS settings: TLS 1.2 minimum with AEAD suites only, the configured chain and key.
    package static func tlsConfiguration(_ config: ServerConfiguration) throws -> TLSConfiguration {
        guard let certPath = config.tlsCert, let keyPath = config.tlsKey else {
            throw ConfigurationError("TLS certificate and key are required")
        }
        let chain = try NIOSSLCertificate.fromPEMFile(certPath).map { NIOSSLCertificateSource.certificate($0) }
        let key = try NIOSSLPrivateKey(file: keyPath, format: .pem)
        var tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
        tls.minimumTLSVersion = .tlsv12
        tls.cipherSuites = tls12CipherSuites
        return tls
    }

    /// Migrates the store, builds the service and the application. The executable chooses and opens the
    /// store and loads the audit key (`AuditKeyFile`) and the data keys (`DataKeySource`): the edge knows only the port, never an adapter.
    package static func build(
        config: ServerConfiguration, store: any SyncStore, auditKey: SymmetricKey, cipher: PersonalDataCipher,
        cardKeys: CardKeySource = .none, logger: Logger,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws -> (application: some ApplicationProtocol, service: SyncService) {
        try await store.migrate()
        let service = SyncService(
            store: store,
            config: SyncServiceConfig(maxClockSkewSeconds: config.maxClockSkewSeconds,
                                      defaultPullBytes: config.pullPageBytes),
            now: { Int64((Date().timeIntervalSince1970 * 1000).rounded()) },
            randomBytes: { count in (0..<count).map { _ in UInt8.random(in: .min ... .max) } },
            auditKey: auditKey, cipher: cipher, cardKeys: cardKeys, logger: logger)
        try await service.checkDataKeys()
        let handshakeTimeout = TimeAmount.seconds(Int64(config.handshakeTimeoutSeconds))
        let application = Application(
            router: router(service: service, config: config),
            server: try .tls(.http1(configuration: .init(
                                 additionalChannelHandlers: [HandshakeTimeoutHandler(timeout: handshakeTimeout)],
                                 idleTimeout: .seconds(120))),
                             tlsConfiguration: tlsConfiguration(config)),
            configuration: .init(address: .hostname(config.host, port: config.port), serverName: "bangfu-sync"),
            services: [SyncLogFlusher(service: service), Compactor(service: service, horizonDays: config.compactionHorizonDays),
                       PokeRelay(service: service), KeyRotation(service: service), CardProjector(service: service)],
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? config.port) },
            logger: logger)
        return (application, service)
    }

    /// Runs until SIGTERM or SIGINT, then shuts down gracefully (in-flight requests finish, the sync log
    /// is flushed). `storeService` is what a store needs running (PostgreSQL's connection pool): it starts
    /// before the store migrates and stops only after the application has shut down, which a shared
    /// service group would not order.
    package static func run(config: ServerConfiguration, store: any SyncStore, storeService: (any Service)? = nil,
                            auditKey: SymmetricKey, cipher: PersonalDataCipher, cardKeys: CardKeySource = .none,
                            logger: Logger) async throws {
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            if let storeService { tasks.addTask { try await storeService.run() } }
            defer { tasks.cancelAll() }
            let (application, _) = try await build(config: config, store: store, auditKey: auditKey, cipher: cipher,
                                                           cardKeys: cardKeys, logger: logger) { port in
                logger.info("listening", metadata: ["address": "https://\(config.host):\(port)"])
            }
            let group = ServiceGroup(configuration: .init(
                services: [application], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            try await group.run()
        }
    }

    struct Health: Encodable {
        struct Range: Encodable {
            var min = ProtocolVersion.supported.lowerBound
            var max = ProtocolVersion.supported.upperBound
        }
        var status = "ok"
        var `protocol` = Range()
    }
}
