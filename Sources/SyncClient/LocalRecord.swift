import SyncModel

/// A record as the app sees it: the server-confirmed state with the device's unsent writes applied on top.
///
/// The local *view* is computed, never stored: confirmed state lives in the ``LocalStore`` exactly as the
/// server last delivered it, and pending outbox mutations are replayed over it on every read. After a full
/// sync with an empty outbox the view therefore equals the server's state.
public struct LocalRecord: Sendable, Hashable {
    /// The collection, e.g. `households`.
    public var collection: String
    /// The record id.
    public var id: String
    /// The version the server last confirmed; `nil` for a record created on this device and not yet pulled.
    public var version: Int64?
    /// The fields, with pending local writes applied.
    public var fields: [String: JSONValue]
    /// Each field's last-write stamp, with pending local writes applied.
    public var stamps: [String: HLCTimestamp]
    /// Whether unsent (or sent but not yet pulled back) local writes touch this record.
    public var hasPendingChanges: Bool
    /// Conflicts on this record waiting for an admin's review, as the server last reported them.
    public var openConflicts: [ConflictMarker]

    /// The label the app shows on a record with open conflicts.
    public static let pendingReviewLabel = "待核实"

    /// Whether an admin still has to review a conflict on this record (the app shows "待核实").
    public var needsReview: Bool { !openConflicts.isEmpty }

    /// The fields under review.
    public var fieldsUnderReview: Set<String> { Set(openConflicts.map(\.field)) }

    /// Makes a record.
    public init(collection: String, id: String, version: Int64?, fields: [String: JSONValue],
                stamps: [String: HLCTimestamp], hasPendingChanges: Bool, openConflicts: [ConflictMarker] = []) {
        self.collection = collection
        self.id = id
        self.version = version
        self.fields = fields
        self.stamps = stamps
        self.hasPendingChanges = hasPendingChanges
        self.openConflicts = openConflicts
    }
}
