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
    }

    struct Counters: Sendable {
        var droppedRequests = 0
        var droppedResponses = 0
        var duplicated = 0
        var delayed = 0
    }

    private let state = Mutex<(events: [Event], counters: Counters)>(([], Counters()))

    func append(_ event: Event) { state.withLock { $0.events.append(event) } }

    func count(_ counter: WritableKeyPath<Counters, Int>) { state.withLock { $0.counters[keyPath: counter] += 1 } }

    var events: [Event] { state.withLock { $0.events } }
    var counters: Counters { state.withLock { $0.counters } }
}
