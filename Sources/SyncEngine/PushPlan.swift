import SyncModel

/// A rejected mutation kept for admins (DESIGN §3.3): the device, its number, why, and what it sent.
public struct RejectedMutation: Sendable, Hashable, Codable {
    public var deviceId: String
    /// Nil when the entry was too malformed to carry a sequence number.
    public var seq: Int64?
    public var code: ErrorCode
    public var field: String?
    public var message: String
    /// The entry as the device sent it.
    public var mutation: JSONValue
    /// Server time of the rejection, milliseconds since 1970.
    public var at: Int64
    /// The store's id for it, once stored (nil in a plan).
    public var id: Int64?
    /// Whether an admin marked it handled (`POST /admin/v1/rejections/{id}/resolve`).
    public var resolved: Bool

    public init(deviceId: String, seq: Int64?, code: ErrorCode, field: String?, message: String,
                mutation: JSONValue, at: Int64, id: Int64? = nil, resolved: Bool = false) {
        self.deviceId = deviceId
        self.seq = seq
        self.code = code
        self.field = field
        self.message = message
        self.mutation = mutation
        self.at = at
        self.id = id
        self.resolved = resolved
    }
}

/// Everything a store must write, in one transaction, to carry out a push the engine planned.
public struct PushPlan: Sendable, Hashable {
    /// One outcome per processed entry, in order (the push response).
    public var results: [MutationResult]
    /// Final states of changed records, each with its new version, in the order they were first written.
    /// Their log positions are the store's to assign.
    public var writes: [SyncRecord]
    /// New outcomes to store by sequence number (replays are not stored again).
    public var newOutcomes: [MutationResult]
    /// Rejections to keep for admins.
    public var rejections: [RejectedMutation]
    /// Conflicts opened (hard, deleted) or logged (soft), to store for the review queue.
    public var conflicts: [Conflict]
    /// The device's last applied sequence number after the push.
    public var lastAppliedSeq: Int64
    /// Set when a gap stopped processing: the number expected next.
    public var expectedSeq: Int64?
    /// Some stamp in the push was clamped for clock skew.
    public var clockSkewClamped: Bool
    /// One audit entry per mutation that changed a record, in order, personal values already hashed. The
    /// store appends them to the audit log in the push's transaction (protocol/audit.md §1).
    package var audit: [AuditEntry] = []

    /// Counts for the sync log.
    public var appliedCount: Int {
        results.filter { ($0.status == .applied || $0.status == .conflict) && $0.replayed != true }.count
    }
    public var rejectedCount: Int { results.filter { $0.status == .rejected && $0.replayed != true }.count }
}

extension PushPlan {
    /// A plan that writes nothing and leaves the device where it was: what a wrapper of the planner hands
    /// the store when it cannot plan (it then fails the push itself, after the empty transaction).
    package static func nothing(lastAppliedSeq: Int64) -> PushPlan {
        PushPlan(results: [], writes: [], newOutcomes: [], rejections: [], conflicts: [], lastAppliedSeq: lastAppliedSeq,
                 expectedSeq: nil, clockSkewClamped: false)
    }
}
