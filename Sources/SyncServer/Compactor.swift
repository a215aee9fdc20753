import Logging
import ServiceLifecycle
import SyncService

/// Compacts the store once a day (protocol/scopes.md §7): tombstones older than the offline horizon are
/// forgotten, and devices offline for longer resync. The first pass runs an hour after start, so a
/// restart loop does not compact over and over; graceful shutdown ends the wait.
struct Compactor: Service {
    let service: SyncService
    let horizonDays: Int
    var firstDelay: Duration = .seconds(3600)
    var interval: Duration = .seconds(86_400)

    func run() async throws {
        guard horizonDays > 0 else { return }
        await Periodic.run(first: firstDelay, every: interval, logger: service.logger, failure: "compaction failed") {
            _ = try await service.compact(horizonDays: horizonDays)
        }
    }
}
