import GRDB
import Synchronization
import SyncEngine
import SyncStore

/// Group commit for pushes (DESIGN §3a): pushes that arrive while a transaction is running queue up, and the
/// next transaction carries all of them, each inside its own savepoint, under one commit and one fsync.
///
/// No background task: the first caller becomes the leader and runs its own push with everything queued;
/// when it is done it wakes the others with their results and hands the lead to the next waiter, if any.
/// A push whose savepoint fails rolls back alone; a failed commit fails every push in that transaction (none
/// was acknowledged, so clients retry and replays keep them exactly-once).
final class GroupCommitter: Sendable {
    typealias Planner = @Sendable (PushSnapshot) -> PushPlan
    typealias Apply = @Sendable (Database, PushLoad, Planner) throws -> PushPlan

    private struct Pending: Sendable {
        var load: PushLoad
        var planner: Planner
        var wake: CheckedContinuation<Wake, Never>
    }

    private enum Wake: Sendable {
        case done(Result<PushPlan, any Error>)
        case lead
    }

    private struct State {
        var leading = false
        var queue: [Pending] = []
    }

    /// Most pushes in one transaction, so one commit's latency stays bounded.
    let maxBatch: Int
    private let writer: any DatabaseWriter
    private let apply: Apply
    private let state = Mutex(State())

    init(writer: any DatabaseWriter, maxBatch: Int = 64, apply: @escaping Apply) {
        precondition(maxBatch >= 1, "a batch holds at least the leader's push")
        self.writer = writer
        self.maxBatch = maxBatch
        self.apply = apply
    }

    func submit(_ load: PushLoad, planner: @escaping Planner) async throws -> PushPlan {
        let wake: Wake = await withCheckedContinuation { continuation in
            let lead = state.withLock { state -> Bool in
                if state.leading {
                    state.queue.append(Pending(load: load, planner: planner, wake: continuation))
                    return false
                }
                state.leading = true
                return true
            }
            if lead { continuation.resume(returning: .lead) }
        }
        switch wake {
        case .done(let result):
            return try result.get()
        case .lead:
            return try await lead(own: load, planner: planner)
        }
    }

    private func lead(own load: PushLoad, planner: @escaping Planner) async throws -> PushPlan {
        let others = state.withLock { state -> [Pending] in
            let taken = Array(state.queue.prefix(maxBatch - 1))
            state.queue.removeFirst(taken.count)
            return taken
        }
        let jobs = [(load, planner)] + others.map { ($0.load, $0.planner) }
        let apply = self.apply
        let results: [Result<PushPlan, any Error>]
        do {
            // The transaction carries other callers' pushes, so it must not inherit the leader's cancellation
            // (GRDB interrupts a cancelled task's write, which would fail every push in the batch). A task of
            // its own, awaited at once, is the one way to shield it: STYLE rule 8's exception, with the reason.
            let writer = self.writer
            results = try await Task {
                try await writer.write { db in
                var results: [Result<PushPlan, any Error>] = []
                for (load, planner) in jobs {
                    do {
                        var plan: PushPlan?
                        try db.inSavepoint {
                            plan = try apply(db, load, planner)
                            return .commit
                        }
                        results.append(.success(plan!))
                    } catch {
                        results.append(.failure(error))
                    }
                }
                return results
                }
            }.value
        } catch {
            results = Array(repeating: .failure(error), count: jobs.count)
        }
        for (index, pending) in others.enumerated() { pending.wake.resume(returning: .done(results[index + 1])) }
        let next = state.withLock { state -> Pending? in
            if state.queue.isEmpty {
                state.leading = false
                return nil
            }
            return state.queue.removeFirst()
        }
        next?.wake.resume(returning: .lead)
        return try results[0].get()
    }
}
