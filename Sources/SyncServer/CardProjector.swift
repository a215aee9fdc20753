import ServiceLifecycle
import SyncService

/// Keeps the 明白卡 reprint list current in the background (protocol/cards.md §5): a projection pass soon
/// after start (a database from before cards gets its household states) and then every `interval`, so that
/// an admin's listing, which runs a pass first, finds little left to do.
struct CardProjector: Service {
    let service: SyncService
    var firstDelay: Duration = .seconds(2)
    var interval: Duration = .seconds(30)

    func run() async throws {
        await Periodic.run(first: firstDelay, every: interval, logger: service.logger, failure: "card projection failed") {
            try await service.refreshCardStates()
        }
    }
}
