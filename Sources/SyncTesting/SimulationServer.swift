import SyncClient
import SyncModel

/// What the simulator needs from a server: helpers to play, enrolment, transports, and each device's
/// acknowledged sequence for the loss check. Implemented in process (`InProcessSimulationServer`) and over
/// HTTPS (`HTTPSimulationServer`).
public protocol SimulationServer: Sendable {
    /// Helpers with at least one household, ordered by id.
    func helpers(limit: Int) async throws -> [String]
    /// Enrols a phone for a helper as a real one is: an admin issues a one-time code, and the phone
    /// registers a key of its own with it (protocol/security.md §2).
    func enroll(helperId: String) async throws -> DeviceSession
    /// A transport speaking for the phone of `session`.
    func transport(session: DeviceSession) throws -> any SyncTransport
    /// The server's last applied sequence number per device.
    func lastAppliedSeqs() async throws -> [String: Int64]
    /// Open conflicts awaiting review (ids and kinds), at most `limit`.
    func openConflicts(limit: Int) async throws -> [(id: String, kind: String)]
    /// Resolves a conflict as an admin, keeping `choice` (`existing` or `incoming`). Returns how many
    /// conflicts that settled (0 when an earlier choice had already settled this one with its edit).
    func resolveConflict(id: String, choice: String, reason: String) async throws -> Int
    /// Assigns `household` to `helper` as an admin, ending `replacing`'s assignment.
    func assign(household: String, helper: String, replacing: String?) async throws
    /// A record's fields as the operator reads them, personal data whole (`GET /admin/v1/records/…`: the read
    /// is audited); nil when there is no such record.
    func record(collection: String, id: String) async throws -> [String: JSONValue]?
    /// A household's 明白卡, newest first (`GET /admin/v1/households/{id}/cards`).
    func cards(household: String) async throws -> [CardMessage]
    /// Every household on the reprint list (`GET /admin/v1/cards?status=outdated`, all pages).
    func outdatedCardHouseholds() async throws -> Set<String>
    /// Releases connections.
    func shutdown() async throws
}
