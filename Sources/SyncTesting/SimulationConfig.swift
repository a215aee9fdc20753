import Logging
import Foundation

/// How a simulated run behaves. Everything random derives from `seed`, printed with every report so a run
/// can be replayed (network timing on a real server still varies; the scripts of writes and syncs do not).
public struct SimulationConfig: Sendable {
    /// Virtual devices.
    /// What the virtual helpers mostly do.
    public enum Scenario: String, Sendable, CaseIterable {
        /// Visits, household edits, new members and a few invalid writes (the default).
        case mixed
        /// Devices whose helpers share households edit the same reviewed and ordinary fields offline; then an
        /// admin resolves every conflict and every device must converge again.
        case contention
        /// Between days an admin moves households to other helpers while devices are offline: each device
        /// must end with exactly its helper's households, and nothing written before a move may be lost.
        case reassignment
    }

    public var scenario: Scenario = .mixed
    public var devices: Int = 50
    /// Days simulated; each day every device works offline for a while and syncs at random moments.
    public var days: Int = 3
    public var seed: UInt64 = 42
    /// Devices sharing one helper (more than one makes concurrent edits of the same households).
    public var devicesPerHelper: Int = 1
    /// Network faults during the days; the final sync runs on a clean network.
    public var faults: FaultyTransport.Faults = .init(dropRequest: 0.05, dropResponse: 0.05, duplicate: 0.05)
    /// Share of writes that are deliberately invalid (a member with a wrong ID checksum): each must come
    /// back rejected, and nothing else may.
    public var invalidWriteRate: Double = 0.03
    /// Where devices keep their SQLite stores; nil keeps them in memory.
    public var storeDirectory: String?
    /// Devices working at the same moment.
    public var concurrency: Int = 64
    /// Where the simulated phones' `SyncClient`s log; nil: critical messages only, to the default handler.
    public var deviceLogger: Logger?
    /// The real clock in milliseconds (virtual days are laid out before it so no stamp runs ahead).
    public var now: @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }
    /// 明白卡: the chance that a helper asks for a card of the household after a write during the days (0: no
    /// cards; the writes and syncs then replay exactly as before cards existed). With cards on, the run also
    /// issues `cardBurst` cards per device at the end (timed), and checks cards offline and online.
    public var cardRate: Double = 0
    public var cardBurst = 5

    public init() {}
}
