import FieldDomain
import SyncClient
import SyncModel
import Synchronization

/// The village network of a randomized history: per request it may lose the request, lose the response
/// after the server acted, deliver the request twice, or hold it back and deliver it later — after the
/// device has given up on it and moved on, in any order with other held-back requests (`Limbo`).
///
/// Every push that reaches the server is appended to the shared `HistoryLog` in the order the server
/// processed it, which is the order the reference model replays.
final class HistoryTransport: SyncTransport {
    struct Faults: Sendable {
        /// Percent chances per request.
        var dropRequest = 8
        var dropResponse = 8
        var duplicate = 8
        var delay = 8
        static let none = Faults(dropRequest: 0, dropResponse: 0, duplicate: 0, delay: 0)
    }

    private let base: any SyncTransport
    private let deviceId: String
    private let choices: HistoryChoices
    private let log: HistoryLog
    private let limbo: Limbo
    private let faults: Mutex<Faults>
    /// Whether a record (by collection and scope keys) is in this device's scope right now, stated by the
    /// history itself from the assignments it made (not by the server's rules).
    private let inScope: @Sendable (CollectionName, RecordScope) -> Bool

    init(base: any SyncTransport, deviceId: String, choices: HistoryChoices, log: HistoryLog, limbo: Limbo,
         faults: Faults, inScope: @escaping @Sendable (CollectionName, RecordScope) -> Bool = { _, _ in true }) {
        self.inScope = inScope
        self.base = base
        self.deviceId = deviceId
        self.choices = choices
        self.log = log
        self.limbo = limbo
        self.faults = Mutex(faults)
    }

    func setFaults(_ new: Faults) { faults.withLock { $0 = new } }

    func push(_ request: PushRequest) async throws -> PushResponse {
        let faults = faults.withLock { $0 }
        if choices.chance(faults.dropRequest) {
            log.count(\.droppedRequests)
            throw SyncTransportError.network("injected: request lost")
        }
        if choices.chance(faults.delay) {
            log.count(\.delayed)
            limbo.hold { [self] in _ = try? await deliver(request) }
            throw SyncTransportError.network("injected: request delayed, the device timed out")
        }
        if choices.chance(faults.duplicate) {
            log.count(\.duplicated)
            _ = try? await deliver(request)
        }
        let response = try await deliver(request)
        if choices.chance(faults.dropResponse) {
            log.count(\.droppedResponses)
            throw SyncTransportError.network("injected: response lost")
        }
        return response
    }

    func pull(cursor: String, maxBytes: Int?) async throws -> PullResponse {
        let faults = faults.withLock { $0 }
        if choices.chance(faults.dropRequest) {
            log.count(\.droppedRequests)
            throw SyncTransportError.network("injected: request lost")
        }
        let response = try await base.pull(cursor: cursor, maxBytes: maxBytes)
        // A pull never delivers a record outside the device's scope (removals are how records leave it).
        for change in response.changes where change.removed != true && !change.deleted {
            guard let collection = CollectionName(rawValue: change.collection) else { continue }
            let keys = Domain.schema(for: collection).scope(recordId: change.recordId, fields: change.fields)
            if !inScope(collection, keys) {
                log.violation("device \(deviceId.prefix(8)) pulled \(collection.rawValue)/\(change.recordId) outside its scope")
            }
        }
        if choices.chance(faults.dropResponse) {
            log.count(\.droppedResponses)
            throw SyncTransportError.network("injected: response lost")
        }
        return response
    }

    func checkIntegrity(_ request: IntegrityRequest) async throws -> IntegrityResponse {
        try await base.checkIntegrity(request)
    }

    func refreshTokens(_ request: TokenRefreshRequest) async throws -> DeviceTokens {
        try await base.refreshTokens(request)
    }

    private func deliver(_ request: PushRequest) async throws -> PushResponse {
        let response = try await base.push(request)
        log.append(.push(deviceId: deviceId, mutations: request.mutations, results: response.results))
        return response
    }
}

/// Requests held back by the network, delivered later in an order the history chooses.
final class Limbo: Sendable {
    private let held = Mutex<[@Sendable () async -> Void]>([])

    func hold(_ delivery: @escaping @Sendable () async -> Void) { held.withLock { $0.append(delivery) } }

    var count: Int { held.withLock { $0.count } }

    /// Delivers the held request at `index` (any index: deliveries overtake each other).
    func deliver(at index: Int) async {
        let delivery = held.withLock { held -> (@Sendable () async -> Void)? in
            guard index < held.count else { return nil }
            return held.remove(at: index)
        }
        await delivery?()
    }
}
