import Foundation
import Logging
import ServiceLifecycle
import SyncServer
import SyncService
import SyncStore
import SyncTesting

/// Runs the real TLS server (port 0, dev certificates made by `scripts/make-dev-certs.sh`) for the length
/// of `body`, then shuts it down gracefully.
enum LiveServer {
    struct Certificates {
        let directory: URL
        var ca: String { directory.appendingPathComponent("ca.pem").path }
        var cert: String { directory.appendingPathComponent("server.pem").path }
        var key: String { directory.appendingPathComponent("server.key").path }
    }

    /// The repository root (tests run from it; fall back to this file's location).
    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// Makes a fresh CA and server certificate with the project's own script.
    static func makeCertificates() throws -> Certificates {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bangfu-certs-\(UUID().uuidString)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [repositoryRoot.appendingPathComponent("scripts/make-dev-certs.sh").path, directory.path]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw ConformanceFailure("make-dev-certs.sh failed") }
        return Certificates(directory: directory)
    }

    static func run<T: Sendable>(
        store: any SyncStore, certificates: Certificates, adminToken: String? = nil, logger serverLogger: Logger? = nil,
        configure: (inout ServerConfiguration) -> Void = { _ in },
        _ body: @Sendable (_ port: Int, _ service: SyncService) async throws -> T
    ) async throws -> T {
        var config = ServerConfiguration()
        config.port = 0
        config.tlsCert = certificates.cert
        config.tlsKey = certificates.key
        config.adminToken = adminToken
        configure(&config)
        var logger = Logger(label: "live-test")
        logger.logLevel = .warning
        if let serverLogger { logger = serverLogger }
        let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
        let (application, service) = try await SyncServerApplication.build(config: config, store: store, auditKey: TestKeys.key, cipher: TestKeys.cipher, cardKeys: TestKeys.cardKeys,
                                                                           logger: logger) { port in
            portSink.yield(port)
        }
        let group = ServiceGroup(configuration: .init(services: [application], logger: logger))
        return try await withThrowingTaskGroup(of: T?.self) { tasks in
            tasks.addTask {
                try await group.run()
                return nil
            }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw ConformanceFailure("server did not start") }
            do {
                let result = try await body(port, service)
                await group.triggerGracefulShutdown()
                while let next = try await tasks.next() { if let next { return next } }
                return result
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
        }
    }
}
