import Logging
import ServiceLifecycle
import SyncService

/// The loop of the server's background services (compaction, key rotation, the card projection): wait
/// `first`, run a pass, then one every `interval`, until graceful shutdown, which also ends a wait (nothing
/// is lost by skipping a pass). A failed pass is logged by its error type only, without internals or values
/// (STYLE rule 6), and the next one tries again.
enum Periodic {
    static func run(first: Duration, every interval: Duration, logger: Logger, failure: String,
                    _ pass: () async throws -> Void) async {
        var delay = first
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let wait = delay
            do { try await cancelWhenGracefulShutdown { try await Task.sleep(for: wait) } } catch { return }
            delay = interval
            do {
                try await pass()
            } catch {
                logger.error("\(failure)", metadata: ["error.type": "\(type(of: error))"])
            }
        }
    }
}
