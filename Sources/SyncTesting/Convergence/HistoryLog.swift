import SyncEngine
import SyncModel
import Synchronization

/// What reached the server during a history, in the order it was processed, plus fault counters.
final class HistoryLog: Sendable {
    enum Event: Sendable {
        /// A push the server processed (replays included) and what it answered.
        case push(deviceId: String, mutations: [Mutation], results: [MutationResult])
        /// An admin deleted a record; the tombstone has `version`.
        case adminDelete(RecordKey, version: Int64)
        /// An admin assigned `household` to `added` and/or ended `ended`'s assignment, at server time
        /// `effectiveAt`.
        case reassign(household: String, added: String?, ended: String?, effectiveAt: Int64)
    }

    struct Counters: Sendable {
        var droppedRequests = 0
        var droppedResponses = 0
        var duplicated = 0
        var delayed = 0
    }

    private let state = Mutex<(events: [Event], counters: Counters)>(([], Counters()))
    /// Pulls that delivered a record outside the device's scope at that moment (must stay empty).
    private let violations = Mutex<[String]>([])

    func violation(_ text: String) { violations.withLock { $0.append(text) } }
    var scopeViolations: [String] { violations.withLock { $0 } }

    func append(_ event: Event) { state.withLock { $0.events.append(event) } }

    func count(_ counter: WritableKeyPath<Counters, Int>) { state.withLock { $0.counters[keyPath: counter] += 1 } }

    var events: [Event] { state.withLock { $0.events } }
    var counters: Counters { state.withLock { $0.counters } }
}
