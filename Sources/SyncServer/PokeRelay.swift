import ServiceLifecycle
import SyncService

/// Runs the service's poke hub beside the server: every change that enters the store's log (from this
/// node or, on PostgreSQL, any other) pokes the devices listening here whose scope it touches.
struct PokeRelay: Service {
    let service: SyncService

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await service.pokes.run()
        }
    }
}
