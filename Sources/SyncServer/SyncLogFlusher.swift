import ServiceLifecycle
import Synchronization
import SyncService

/// Writes the buffered sync log every second; on graceful shutdown it stops the loop and flushes what is
/// left. The task is not cancelled for that (a cancelled task cannot write: the store refuses), so the last
/// second of sync-log lines survives a SIGTERM.
struct SyncLogFlusher: Service {
    let service: SyncService

    func run() async throws {
        let stopping = StopFlag()
        await withGracefulShutdownHandler {
            while !stopping.isSet && !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(250))
                if stopping.isSet { break }
                try? await service.flushSyncLog()
            }
        } onGracefulShutdown: {
            stopping.set()
        }
        try await service.flushSyncLog()
    }
}

/// A flag set once from the shutdown handler.
final class StopFlag: Sendable {
    private let flag = Mutex(false)
    var isSet: Bool { flag.withLock { $0 } }
    func set() { flag.withLock { $0 = true } }
}
