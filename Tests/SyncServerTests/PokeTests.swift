import FieldDomain
import Foundation
import Logging
import SyncClient
import SyncModel
import SyncService
import SyncStore
import SyncTesting
import Testing

/// Live pokes (protocol/README.md §7a) through the real server over TLS: a write that commits anywhere
/// pokes the devices listening whose scope it touches, and only those.
@Suite(.serialized) struct PokeTests {
    /// Waits for the next element of `stream` for at most `limit`; returns how long it took, or nil.
    static func next(_ stream: AsyncThrowingStream<Void, any Error>, within limit: Duration) async -> Duration? {
        let start = ContinuousClock.now
        return await withTaskGroup(of: Duration?.self) { group in
            group.addTask {
                var iterator = stream.makeAsyncIterator()
                guard (try? await iterator.next()) != nil else { return nil }
                return ContinuousClock.now - start
            }
            group.addTask {
                try? await Task.sleep(for: limit)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }

    static func transport(_ port: Int, _ token: String, _ certificates: LiveServer.Certificates) throws -> HTTPSyncTransport {
        try HTTPSyncTransport(baseURL: "https://127.0.0.1:\(port)", token: token, caCertificatePath: certificates.ca)
    }

    @Test func aWriteThroughOneNodePokesADeviceListeningOnAnother() async throws {
        try await PostgresTestDatabase.withNodes(2) { nodes in
            let certificates = try LiveServer.makeCertificates()
            defer { try? FileManager.default.removeItem(at: certificates.directory) }
            let fixture = try await StoreFixture.make(nodes[0], households: 40)
            let (helper, households) = try fixture.helper(withAtLeast: 2)
            let (outsider, _) = try fixture.helper(skipping: [helper])
            // Node A: a service over the first store, written to in process.
            let nodeA = SyncService(store: nodes[0], now: { Int64(Date().timeIntervalSince1970 * 1000) },
                                    randomBytes: { count in (0..<count).map { _ in UInt8.random(in: .min ... .max) } },
                                    auditKey: TestKeys.key, cipher: TestKeys.cipher, logger: Logger(label: "node-a"))
            // Node B: the real server over the second store; the devices listen there.
            try await LiveServer.run(store: nodes[1], certificates: certificates) { port, nodeB in
                let listener = try Self.transport(port, try await nodeB.enroll(helperId: helper, label: nil, expiresInDays: 1).token, certificates)
                let stranger = try Self.transport(port, try await nodeB.enroll(helperId: outsider, label: nil, expiresInDays: 1).token, certificates)
                let pokes = try await listener.pokes()
                let strangerPokes = try await stranger.pokes()
                let writer = try await nodeA.enroll(helperId: helper, label: nil, expiresInDays: 1)
                let push = InProcessTransport(service: nodeA, token: writer.token)
                var latencies: [Duration] = []
                for seq in Int64(1)...5 {
                    let started = ContinuousClock.now
                    let response = try await push.push(PushRequest(deviceId: writer.deviceId, mutations: [
                        Mutation(seq: seq, collection: "households", recordId: households[0], op: .set,
                                 fields: ["incomeWage": .int(40_000 + seq)],
                                 stamp: HLCTimestamp(physical: Int64(Date().timeIntervalSince1970 * 1000), logical: 0,
                                                     node: writer.deviceId)),
                    ]))
                    #expect(response.results.first?.status == .applied)
                    // Whether the poke comes, not how fast: latency is a benchmark (`bangfu-sim pokes`,
                    // BENCHMARKS.md), and this machine runs the whole suite in parallel.
                    let waited = await Self.next(pokes, within: .seconds(20))
                    _ = try #require(waited, "write \(seq) on node A did not poke the device on node B")
                    latencies.append(ContinuousClock.now - started)
                }
                // The stranger's helper holds none of those households: no poke reached it.
                #expect(await Self.next(strangerPokes, within: .milliseconds(300)) == nil, "a device outside the scope was poked")
                print("poke latency node A → node B:", latencies.map { "\($0)" }.joined(separator: ", "))
                try await listener.shutdown()
                try await stranger.shutdown()
            }
        }
    }

    @Test func aLiveClientPullsAnotherDevicesWriteWithoutPolling() async throws {
        let certificates = try LiveServer.makeCertificates()
        defer { try? FileManager.default.removeItem(at: certificates.directory) }
        let fixture = try await StoreFixture.make(MemorySyncStore(), households: 40)
        let (helper, households) = try fixture.helper(withAtLeast: 2)
        try await LiveServer.run(store: fixture.store, certificates: certificates) { port, service in
            func phone(_ seed: UInt64) async throws -> (SyncClient, HTTPSyncTransport) {
                let enrollment = try await service.enroll(helperId: helper, label: nil, expiresInDays: 1)
                let transport = try Self.transport(port, enrollment.token, certificates)
                let client = SyncClient(deviceId: enrollment.deviceId, store: MemoryLocalStore(), transport: transport,
                                        clock: { Int64(Date().timeIntervalSince1970 * 1000) },
                                        random: SplitMix64(seed: seed), logger: Logger(label: "test"))
                return (client, transport)
            }
            let (live, liveTransport) = try await phone(1)
            let (other, otherTransport) = try await phone(2)
            // Polling once an hour: only a poke can bring the visit within the test.
            let running = Task { await live.runLive(pollInterval: .seconds(3600)) }
            try await Task.sleep(for: .milliseconds(300))
            let visit = try await other.recordVisit(VisitDraft(kind: "household", householdId: households[0],
                                                               visitedAt: "2026-11-20T09:30:00+08:00", notes: "实时"))
            try await other.sync()
            var arrived = false
            for _ in 0..<400 where !arrived {
                arrived = try await live.record(collection: .visits, id: visit) != nil
                if !arrived { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(arrived, "the poked client did not pull the other device's visit within 20 s")
            running.cancel()
            await running.value
            try await liveTransport.shutdown()
            try await otherTransport.shutdown()
        }
    }
}
