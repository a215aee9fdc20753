import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOSSL
import SyncClient
import SyncModel
import SyncService
import SyncStore
import SyncTesting
import Testing

/// The real server over real TLS with the dev CA: what a phone and an operator's tools see.
@Suite(.serialized) struct LiveTLSTests {
    @Test func deviceSyncsOverTLSWithTheDevCA() async throws {
        let certificates = try LiveServer.makeCertificates()
        defer { try? FileManager.default.removeItem(at: certificates.directory) }
        let fixture = try await StoreFixture.make(MemorySyncStore())
        let (helper, households) = try fixture.helper()
        try await LiveServer.run(store: fixture.store, certificates: certificates) { port, service in
            let enrollment = try await service.enroll(helperId: helper, label: nil, expiresInDays: 1)
            let transport = try HTTPSyncTransport(baseURL: "https://127.0.0.1:\(port)", token: enrollment.token,
                                                  caCertificatePath: certificates.ca)
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            let response = try await transport.push(PushRequest(deviceId: enrollment.deviceId, mutations: [
                Mutation(seq: 1, collection: "visits", recordId: "v-live", op: .create,
                         fields: ["kind": "household", "householdId": .string(households[0]),
                                  "visitedAt": "2026-11-20T09:30:00+08:00"],
                         stamp: HLCTimestamp(physical: now, logical: 0, node: enrollment.deviceId)),
            ]))
            #expect(response.results.first?.status == .applied)
            let page = try await transport.pull(cursor: "", maxBytes: nil)
            #expect(page.changes.contains { $0.recordId == "v-live" })
            #expect(page.lastAppliedSeq == 1)
            try await transport.shutdown()
        }
        // Graceful shutdown flushed the buffered sync log: the store knows the device synced.
        let states = try await fixture.store.deviceStates()
        #expect(states.count == 1 && states.first?.lastSyncAt != nil && states.first?.lastAppliedSeq == 1)
    }

    @Test func opensslSeesTLS13AndCurlVerifiesTheChain() async throws {
        let certificates = try LiveServer.makeCertificates()
        defer { try? FileManager.default.removeItem(at: certificates.directory) }
        try await LiveServer.run(store: MemorySyncStore(), certificates: certificates) { port, _ in
            let sClient = try await Self.runTool("/usr/bin/openssl", ["s_client", "-connect", "127.0.0.1:\(port)",
                                                                "-CAfile", certificates.ca, "-brief"])
            #expect(sClient.output.contains("TLSv1.3"))
            #expect(sClient.output.contains("Verification: OK"))
            let curl = try await Self.runTool("/usr/bin/curl", ["-sS", "--max-time", "10", "--cacert", certificates.ca,
                                                          "https://localhost:\(port)/health"])
            #expect(curl.status == 0)
            #expect(curl.output.contains(#""status":"ok""#))
            let untrusted = try await Self.runTool("/usr/bin/curl", ["-sS", "--max-time", "10",
                                                               "https://127.0.0.1:\(port)/health"])
            #expect(untrusted.status != 0)
        }
    }

    @Test func plaintextHTTPGetsNoHTTPAnswer() async throws {
        let certificates = try LiveServer.makeCertificates()
        defer { try? FileManager.default.removeItem(at: certificates.directory) }
        try await LiveServer.run(store: MemorySyncStore(), certificates: certificates) { port, _ in
            let curl = try await Self.runTool("/usr/bin/curl", ["-sS", "--max-time", "10", "-o", "/dev/null",
                                                          "-w", "%{http_code}", "http://127.0.0.1:\(port)/health"])
            #expect(curl.status != 0)
            #expect(!curl.output.hasPrefix("2"))
        }
    }

    @Test func clientThatDoesNotTrustTheCAIsRefused() async throws {
        let certificates = try LiveServer.makeCertificates()
        defer { try? FileManager.default.removeItem(at: certificates.directory) }
        try await LiveServer.run(store: MemorySyncStore(), certificates: certificates) { port, _ in
            let transport = try HTTPSyncTransport(baseURL: "https://127.0.0.1:\(port)",
                                                  token: "bft1.x.yyyyyyyyyyyyyyyyyyyy", timeout: .seconds(3))
            await #expect(throws: (any Error).self) {
                _ = try await transport.pull(cursor: "", maxBytes: nil)
            }
            try await transport.shutdown()
        }
    }

    /// Runs a tool on a thread of its own (see `CommandLineTests.run`): a tool talking to the in-process
    /// server must never wait on a thread the server needs.
    static func runTool(_ path: String, _ arguments: [String]) async throws -> (status: Int32, output: String) {
        try await TLSHardeningTests.offPool { try runToolBlocking(path, arguments) }
    }

    static func runToolBlocking(_ path: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
