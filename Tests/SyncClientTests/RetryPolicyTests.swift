import Testing
@testable import SyncClient
import SyncModel

@Suite("Backoff")
struct RetryPolicyTests {
    @Test func backoffGrowsIsCappedAndHonoursRetryAfter() async throws {
        let server = FakeSyncServer()
        let policy = RetryPolicy(baseDelay: 0.5, factor: 2, maxDelay: 2, maxAttempts: 7)
        let device = Device(store: MemoryLocalStore(), server: server, policy: policy, random: MaxGenerator())
        try await device.client.recordVisit(.sample())
        server.state.withLock {
            $0.pushFailures = [.network("down"), .network("down"), .overloaded(retryAfterSeconds: 7),
                               .network("down"), .network("down"), .network("down")]
        }

        let report = try await device.client.sync()
        #expect(report.attempts == 7)
        #expect(device.sleeps.seconds == [0.5, 1, 7, 2, 2, 2])
        #expect(try await device.client.pendingCount() == 0)
    }

    @Test func retriesStopAfterMaxAttempts() async throws {
        let server = FakeSyncServer()
        let device = Device(store: MemoryLocalStore(), server: server, policy: RetryPolicy(maxAttempts: 3))
        try await device.client.recordVisit(.sample())
        server.state.withLock { $0.pushFailures = Array(repeating: .overloaded(retryAfterSeconds: nil), count: 10) }

        let error = await #expect(throws: SyncError.self) { try await device.client.sync() }
        #expect(error?.kind == .retriesExhausted)
        #expect(device.sleeps.recorded.count == 2)
        #expect(server.state.withLock { $0.pushes } == 3)
    }

    @Test func fullJitterStaysUnderTheCeiling() {
        let policy = RetryPolicy()
        var random = SeededGenerator(seed: 7)
        for attempt in 1...12 {
            let delay = policy.delay(afterAttempt: attempt, retryAfter: nil, using: &random)
            #expect(delay >= 0 && delay < policy.ceiling(afterAttempt: attempt))
        }
        #expect(policy.ceiling(afterAttempt: 1) == 0.5)
        #expect(policy.ceiling(afterAttempt: 4) == 4)
        #expect(policy.ceiling(afterAttempt: 30) == 60)
    }

    @Test func retryAfterIsAFloorButBounded() {
        let policy = RetryPolicy(maxRetryAfter: 300)
        var random = SeededGenerator(seed: 1)
        #expect(policy.delay(afterAttempt: 1, retryAfter: 30, using: &random) == 30)
        #expect(policy.delay(afterAttempt: 1, retryAfter: 86_400, using: &random) == 300)
    }
}
