/// What one `SyncClient.sync()` achieved.
public struct SyncReport: Sendable, Hashable {
    /// Mutations the server acknowledged (applied, merged with a conflict, or rejected).
    public var acknowledged: Int
    /// Rejections recorded for the first time.
    public var newRejections: Int
    /// Record changes pulled (upserts, deletions and scope removals).
    public var pulledChanges: Int
    /// Mutations still in the outbox (e.g. the server asked for them later).
    public var pending: Int
    /// Whether the server deferred part of the outbox (`retryLater`) for the whole retry budget.
    public var pushDeferred: Bool
    /// How many attempts the sync took (1 when nothing failed).
    public var attempts: Int
    /// How many times the server could not serve the cursor and the device bootstrapped again.
    public var resyncs: Int = 0

    /// Makes a report.
    public init(acknowledged: Int = 0, newRejections: Int = 0, pulledChanges: Int = 0, pending: Int = 0,
                pushDeferred: Bool = false, attempts: Int = 1) {
        self.acknowledged = acknowledged
        self.newRejections = newRejections
        self.pulledChanges = pulledChanges
        self.pending = pending
        self.pushDeferred = pushDeferred
        self.attempts = attempts
    }
}
