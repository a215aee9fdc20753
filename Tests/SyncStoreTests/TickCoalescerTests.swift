import Synchronization
import Testing
@testable import SyncStorePostgres

/// The sequencer's tick sharing: every caller returns only after a tick that began after its call, ticks
/// never overlap, and many concurrent callers share few ticks.
@Suite struct TickCoalescerTests {
    final class Ticks: Sendable {
        struct State {
            var started = 0
            var finished = 0
            var running = false
            var overlapped = false
        }
        let state = Mutex(State())
    }

    @Test func everyCallerGetsATickThatBeganAfterItAndTicksAreShared() async {
        let coalescer = TickCoalescer()
        let ticks = Ticks()
        let callers = 300
        let late = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<callers {
                group.addTask {
                    let before = ticks.state.withLock { $0.started }
                    await coalescer.tickAfterNow {
                        ticks.state.withLock { state in
                            if state.running { state.overlapped = true }
                            state.running = true
                            state.started += 1
                        }
                        try? await Task.sleep(for: .milliseconds(2))
                        ticks.state.withLock { state in
                            state.running = false
                            state.finished += 1
                        }
                    }
                    // A tick numbered above `before` (one that began after this call) has finished.
                    return ticks.state.withLock { $0.finished } <= before
                }
            }
            var late = 0
            for await wasLate in group where wasLate { late += 1 }
            return late
        }
        let state = ticks.state.withLock { $0 }
        #expect(late == 0, "\(late) callers returned before a tick that began after them")
        #expect(!state.overlapped, "two ticks ran at once")
        #expect(state.started < callers, "\(state.started) ticks for \(callers) callers: nothing was shared")
        print("TickCoalescer: \(callers) callers, \(state.started) ticks")
    }
}

/// A write waits for its tick at most a deadline: a tick stuck on the database does not hold the answer.
@Suite struct TickDeadlineTests {
    /// Asserted by whether the work had ended when `firstOf` returned, not by a wall-clock bound: on a loaded
    /// 2-core machine the concurrency pool is sometimes busy for 20 s and more, and a 50 ms deadline then
    /// fires late (twice in CI runs, 2026-12-07), which says nothing about `firstOf`.
    @Test func aStuckTickIsLeftBehindAtTheDeadline() async {
        let finished = Atomic<Bool>(false)
        await PostgresSyncStore.firstOf(deadline: .milliseconds(50)) {
            try? await Task.sleep(for: .seconds(600))
            finished.store(true, ordering: .releasing)
        }
        let workEnded = finished.load(ordering: .acquiring)
        #expect(!workEnded, "firstOf waited for the stuck work")
    }

    @Test func aQuickTickIsWaitedFor() async {
        let done = Atomic<Bool>(false)
        await PostgresSyncStore.firstOf(deadline: .seconds(30)) {
            try? await Task.sleep(for: .milliseconds(20))
            done.store(true, ordering: .releasing)
        }
        let finished = done.load(ordering: .acquiring)
        #expect(finished)
    }
}
