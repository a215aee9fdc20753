import SyncClient
import SyncModel
import Synchronization

/// Wraps a transport and, with seeded probabilities, loses requests before they arrive, loses responses
/// after the server acted, and delivers requests twice — the faults of a village network.
public final class FaultyTransport: SyncTransport {
    /// Fault probabilities, each in 0…1.
    public struct Faults: Sendable, Hashable {
        public var dropRequest: Double
        public var dropResponse: Double
        public var duplicate: Double
        public init(dropRequest: Double = 0.1, dropResponse: Double = 0.1, duplicate: Double = 0.1) {
            self.dropRequest = dropRequest
            self.dropResponse = dropResponse
            self.duplicate = duplicate
        }
        public static let none = Faults(dropRequest: 0, dropResponse: 0, duplicate: 0)
    }

    /// Counts of faults injected.
    public struct Counts: Sendable, Hashable {
        public var droppedRequests = 0
        public var droppedResponses = 0
        public var duplicated = 0
    }

    private let base: any SyncTransport
    private let random: SeededRandomSource
    private let state: Mutex<(faults: Faults, counts: Counts)>

    public init(base: any SyncTransport, faults: Faults, seed: UInt64) {
        self.base = base
        self.random = SeededRandomSource(seed: seed)
        self.state = Mutex((faults, Counts()))
    }

    /// Changes the fault rates (e.g. a clean network for the final sync).
    public func setFaults(_ faults: Faults) { state.withLock { $0.faults = faults } }

    public var counts: Counts { state.withLock { $0.counts } }

    public func push(_ request: PushRequest) async throws -> PushResponse {
        try await faulty { try await base.push(request) }
    }

    public func pull(cursor: String, maxBytes: Int?) async throws -> PullResponse {
        try await faulty { try await base.pull(cursor: cursor, maxBytes: maxBytes) }
    }

    public func checkIntegrity(_ request: IntegrityRequest) async throws -> IntegrityResponse {
        try await faulty { try await base.checkIntegrity(request) }
    }

    public func enrol(_ request: EnrolRequest) async throws -> DeviceTokens {
        try await base.enrol(request)
    }

    /// Refreshes meet the same faults: a lost answer is retried with the same refresh token.
    public func refreshTokens(_ request: TokenRefreshRequest) async throws -> DeviceTokens {
        try await faulty { try await base.refreshTokens(request) }
    }

    public func issueCard(_ request: CardIssueRequest) async throws -> CardMessage {
        try await faulty { try await base.issueCard(request) }
    }

    public func cardTrust() async throws -> CardTrustMessage {
        try await faulty { try await base.cardTrust() }
    }

    public func verifyCard(_ request: CardVerifyRequest) async throws -> CardVerifyResponse {
        try await faulty { try await base.verifyCard(request) }
    }

    public func pokes() async throws -> AsyncThrowingStream<Void, any Error> {
        try await base.pokes()
    }

    private func faulty<T>(_ send: () async throws -> T) async throws -> T {
        let faults = state.withLock { $0.faults }
        if random.unit() < faults.dropRequest {
            state.withLock { $0.counts.droppedRequests += 1 }
            throw SyncTransportError.network("injected fault: request lost")
        }
        if random.unit() < faults.duplicate {
            state.withLock { $0.counts.duplicated += 1 }
            _ = try? await send()
        }
        let response = try await send()
        if random.unit() < faults.dropResponse {
            state.withLock { $0.counts.droppedResponses += 1 }
            throw SyncTransportError.network("injected fault: response lost")
        }
        return response
    }
}
