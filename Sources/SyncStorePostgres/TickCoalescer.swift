import Synchronization

/// Shares sequencer ticks between the writes of one node, as group commit shares an fsync: a write that
/// has committed needs *a* tick that began after its commit, not a tick of its own. The first caller runs
/// the tick; callers arriving while it runs wait for the next one, which the same leader runs for all of
/// them at once (the leader hands the lead to a waiter and returns). With a hundred pushes in flight a
/// node runs a handful of ticks instead of a hundred queued on the advisory lock.
final class TickCoalescer: Sendable {
    private struct State {
        /// The tick running now, by number; nil when none.
        var running: Int?
        var started = 0
        var finished = 0
        /// Callers waiting for the tick of that number to finish.
        var waiters: [(target: Int, continuation: CheckedContinuation<Bool, Never>)] = []
    }

    private enum Role { case lead(Int), wait(Int) }

    private let state = Mutex(State())

    /// Returns once a tick that began after this call has finished (whether it succeeded is `tick`'s to
    /// report; a failed tick leaves the rows to the next one).
    func tickAfterNow(_ tick: @Sendable () async -> Void) async {
        while true {
            let role: Role = state.withLock { state in
                if let running = state.running { return .wait(running + 1) }
                state.started += 1
                state.running = state.started
                return .lead(state.started)
            }
            switch role {
            case .lead(let number):
                await tick()
                state.withLock { state in
                    state.finished = number
                    state.running = nil
                    for waiter in state.waiters where waiter.target <= number { waiter.continuation.resume(returning: true) }
                    state.waiters.removeAll { $0.target <= number }
                    // Hand the lead on rather than keep it: a leader that ran ticks for as long as others
                    // kept arriving would never answer its own device.
                    if !state.waiters.isEmpty { state.waiters.removeFirst().continuation.resume(returning: false) }
                }
                return
            case .wait(let target):
                let served = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                    state.withLock { state in
                        if state.finished >= target {
                            continuation.resume(returning: true)
                        } else if state.running == nil {
                            // The leader left before this caller got in line: lead the next tick.
                            // (A waiter resumed with `false` was handed the lead.)
                            continuation.resume(returning: false)
                        } else {
                            state.waiters.append((target, continuation))
                        }
                    }
                }
                if served { return }
            }
        }
    }
}
