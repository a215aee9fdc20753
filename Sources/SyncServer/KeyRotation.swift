import Logging
import ServiceLifecycle
import SyncService

/// Moves personal data to the current data key in the background (docs/personal-data.md "Keys"): after
/// `bangfu-admin keys rotate`, each node reads the key directory again within `interval` and rewrites what
/// is still under an older key (or in plaintext, from before encryption existed). The first pass runs soon
/// after start, so a database from before encryption is encrypted on its first start.
struct KeyRotation: Service {
    let service: SyncService
    var firstDelay: Duration = .seconds(5)
    var interval: Duration = .seconds(300)

    func run() async throws {
        var delay = firstDelay
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let wait = delay
            do { try await cancelWhenGracefulShutdown { try await Task.sleep(for: wait) } } catch { return }
            delay = interval
            do {
                _ = try await service.reencryptPersonalData()
            } catch {
                // The next pass tries again; the log says why without internals or values (STYLE rule 6).
                service.logger.error("re-encryption failed", metadata: ["error.type": "\(type(of: error))"])
            }
        }
    }
}
