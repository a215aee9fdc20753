import Synchronization

/// Hands every ``SyncStatus`` change to each subscribed stream. A lock rather than an actor, so that a
/// stream's termination handler can unsubscribe synchronously, without spawning a task.
final class StatusBroadcaster: Sendable {
    private struct State {
        var current: SyncStatus
        var nextId = 0
        var subscribers: [Int: AsyncStream<SyncStatus>.Continuation] = [:]
    }

    private let state: Mutex<State>

    init(_ initial: SyncStatus) {
        state = Mutex(State(current: initial))
    }

    var current: SyncStatus { state.withLock { $0.current } }

    func update(_ change: (inout SyncStatus) -> Void) {
        let (status, subscribers) = state.withLock { state -> (SyncStatus, [AsyncStream<SyncStatus>.Continuation]) in
            var status = state.current
            change(&status)
            guard status != state.current else { return (status, []) }
            state.current = status
            return (status, Array(state.subscribers.values))
        }
        for subscriber in subscribers { subscriber.yield(status) }
    }

    /// A stream that starts with the current status and then yields every change; only the newest
    /// status is buffered for a slow reader.
    func stream() -> AsyncStream<SyncStatus> {
        let (stream, continuation) = AsyncStream.makeStream(of: SyncStatus.self, bufferingPolicy: .bufferingNewest(1))
        let id = state.withLock { state -> Int in
            let id = state.nextId
            state.nextId += 1
            state.subscribers[id] = continuation
            continuation.yield(state.current)
            return id
        }
        continuation.onTermination = { [weak self] _ in
            self?.state.withLock { _ = $0.subscribers.removeValue(forKey: id) }
        }
        return stream
    }

    func finish() {
        let subscribers = state.withLock { state in
            defer { state.subscribers = [:] }
            return Array(state.subscribers.values)
        }
        for subscriber in subscribers { subscriber.finish() }
    }
}
