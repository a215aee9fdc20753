import ServiceLifecycle
import SyncService

/// Writes the buffered sync log every second; on shutdown it flushes what is left.
struct SyncLogFlusher: Service {
    let service: SyncService

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await service.runSyncLogFlusher()
        }
    }
}
