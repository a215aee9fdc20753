import FieldDomain
import Foundation
import Logging
import SyncClient
import SyncModel

/// One simulated phone: a real `SyncClient` with its own local store and clock, behind a faulty network.
final class VirtualDevice: Sendable {
    let deviceId: String
    let helperId: String
    /// The phone's key and tokens (its visits are signed).
    let session: DeviceSession
    let client: SyncClient
    let network: FaultyTransport
    let random: SeededRandomSource
    private let clock: ManualClock

    init(deviceId: String, helperId: String, session: DeviceSession, transport: any SyncTransport, store: any LocalStore,
         faults: FaultyTransport.Faults, seed: UInt64, start: Int64, logger deviceLogger: Logger? = nil) {
        self.deviceId = deviceId
        self.helperId = helperId
        self.session = session
        self.random = SeededRandomSource(seed: seed)
        self.network = FaultyTransport(base: transport, faults: faults, seed: seed ^ 0x5eed)
        let clock = ManualClock(start)
        self.clock = clock
        let now = { @Sendable in clock.now() }
        var logger = Logger(label: "bangfu.sim.device")
        logger.logLevel = .critical
        if let deviceLogger { logger = deviceLogger }
        self.client = SyncClient(
            deviceId: deviceId, store: store, transport: network, clock: now,
            // Record ids (and backoff jitter) also depend on the server-assigned device id, so a rerun with
            // the same seed against the same database makes new records; the script of writes and syncs
            // (from `random`) still replays from the seed.
            random: SplitMix64(seed: deviceId.utf8.reduce(seed) { ($0 ^ UInt64($1)) &* 0x100_0000_01B3 }),
            policy: RetryPolicy(baseDelay: 0.005, factor: 2, maxDelay: 0.05, maxRetryAfter: 0.2, maxAttempts: 6),
            // No integrity check: it would repair a missing move-out on its own and hide what the runs prove
            // (pulls deliver removals and move-ins); the check has its own tests.
            logger: logger, clientVersion: "bangfu-sim/1", integrityCheckInterval: nil, session: session)
    }

    var now: Int64 { clock.now() }

    func setClock(_ millis: Int64) { clock.set(millis) }

    func advanceClock(minutes: Int) { clock.advance(by: Int64(minutes) * 60_000) }
}
