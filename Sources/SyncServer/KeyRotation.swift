import Logging
import ServiceLifecycle
import SyncService

/// Moves personal data to the current data key in the background (docs/personal-data.md): after
/// `bangfu-admin keys rotate`, each node re-reads the key directory within `interval`, and when its current
/// key has changed since its last complete pass it rewrites what is still under an older key (or in
/// plaintext, from before encryption existed). The first pass runs soon after start, so a database from
/// before encryption is encrypted on its first start.
///
/// A node that finished a pass under key K skips the passes that follow until its key changes (every value
/// it wrote since went through its cipher under K), except one full pass an hour: an admin tool or another
/// node that loaded the keys before the rotation may still have written under the old key.
struct KeyRotation: Service {
    let service: SyncService
    var firstDelay: Duration = .seconds(5)
    var interval: Duration = .seconds(300)
    var fullPassEvery = 12

    func run() async throws {
        var completedUnder: String?
        var skipped = 0
        await Periodic.run(first: firstDelay, every: interval, logger: service.logger, failure: "re-encryption failed") {
            try service.cipher.refreshKeys()
            if service.cipher.currentKeyId == completedUnder && skipped + 1 < fullPassEvery {
                skipped += 1
                return
            }
            skipped = 0
            completedUnder = try await service.reencryptPersonalData().currentKeyId
        }
    }
}
