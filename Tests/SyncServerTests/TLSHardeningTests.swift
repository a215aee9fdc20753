import Foundation
import SyncStore
import SyncTesting
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The TLS edge against real clients: TLS 1.2 offers AEAD suites only (Mozilla "intermediate"), and a
/// connection that never completes a handshake is closed after `handshakeTimeoutSeconds`.
@Suite(.serialized) struct TLSHardeningTests {
    /// Runs blocking work (a child process, a socket read) on a thread of its own: on the cooperative pool
    /// (two threads on a 2-core machine) it would starve every other test running in parallel.
    static func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try work() }) }.start()
        }
    }

    /// `openssl s_client` forced to TLS 1.2 and one suite: whether the handshake succeeded with it.
    static func handshake(port: Int, cipher: String, ca: String) async throws -> Bool {
        let result = try await offPool {
            try LiveTLSTests.runToolBlocking("/usr/bin/openssl", [
                "s_client", "-connect", "127.0.0.1:\(port)", "-tls1_2", "-cipher", cipher, "-CAfile", ca, "-brief",
            ])
        }
        return result.status == 0 && result.output.contains("Ciphersuite: \(cipher)")
    }

    @Test func tls12RefusesCBCAndSHA1SuitesAndAcceptsAEADOnes() async throws {
        let certificates = try LiveServer.makeCertificates()
        defer { try? FileManager.default.removeItem(at: certificates.directory) }
        try await LiveServer.run(store: MemorySyncStore(), certificates: certificates) { port, _ in
            for cipher in ["ECDHE-ECDSA-AES128-SHA", "ECDHE-ECDSA-AES256-SHA", "AES256-SHA", "AES128-GCM-SHA256"] {
                let accepted = try await Self.handshake(port: port, cipher: cipher, ca: certificates.ca)
                #expect(!accepted, "\(cipher) was accepted")
            }
            for cipher in ["ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-ECDSA-CHACHA20-POLY1305"] {
                let accepted = try await Self.handshake(port: port, cipher: cipher, ca: certificates.ca)
                #expect(accepted, "\(cipher) was refused")
            }
        }
    }

    @Test func connectionThatNeverStartsTLSIsClosedAfterTheHandshakeTimeout() async throws {
        let certificates = try LiveServer.makeCertificates()
        defer { try? FileManager.default.removeItem(at: certificates.directory) }
        try await LiveServer.run(store: MemorySyncStore(), certificates: certificates,
                                 configure: { $0.handshakeTimeoutSeconds = 1 }) { port, _ in
            let started = ContinuousClock.now
            let closed = try await Self.offPool { try Self.silentConnectionIsClosed(port: port, waitingAtMost: 8) }
            let waited = ContinuousClock.now - started
            #expect(closed, "the server still held the silent connection after 8 s")
            #expect(waited >= .milliseconds(900) && waited < .seconds(5), "closed after \(waited)")
        }
    }

    @Test func aCompletedHandshakeOutlivesTheHandshakeTimeout() async throws {
        let certificates = try LiveServer.makeCertificates()
        defer { try? FileManager.default.removeItem(at: certificates.directory) }
        try await LiveServer.run(store: MemorySyncStore(), certificates: certificates,
                                 configure: { $0.handshakeTimeoutSeconds = 1 }) { port, _ in
            // s_client handshakes at once and sends the request only after twice the timeout.
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
            process.arguments = ["s_client", "-connect", "127.0.0.1:\(port)", "-CAfile", certificates.ca, "-quiet",
                                 "-ign_eof"]
            let input = Pipe()
            let output = Pipe()
            process.standardInput = input
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try process.run()
            try await Task.sleep(for: .seconds(2))
            input.fileHandleForWriting.write(Data("GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".utf8))
            try input.fileHandleForWriting.close()
            let reader = output.fileHandleForReading
            let data = try await Self.offPool {
                let data = reader.readDataToEndOfFile()
                process.waitUntilExit()
                return data
            }
            let text = String(decoding: data, as: UTF8.self)
            #expect(text.hasPrefix("HTTP/1.1 200"), "\(text.prefix(200))")
        }
    }

    /// Connects a plain TCP socket, sends nothing, and reports whether the server closed it (EOF) within
    /// `seconds`.
    static func silentConnectionIsClosed(port: Int, waitingAtMost seconds: Int) throws -> Bool {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw ConformanceFailure("socket() failed") }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw ConformanceFailure("connect() failed") }
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var byte: UInt8 = 0
        // 0: orderly close by the server; -1 with ECONNRESET also means it hung up; -1 with EAGAIN: timed out.
        let received = recv(socket, &byte, 1, 0)
        return received == 0 || (received < 0 && errno == ECONNRESET)
    }
}
