/// What the sync machinery is doing, for the app's status line.
public struct SyncStatus: Sendable, Hashable {
    /// The activity.
    public enum Activity: Sendable, Hashable {
        /// Nothing running.
        case idle
        /// A sync is pushing or pulling.
        case syncing
        /// Waiting after a retryable failure until this time (milliseconds since 1970).
        case backingOff(until: Int64)
        /// The last sync failed.
        case error(String)
    }

    /// The activity.
    public var activity: Activity
    /// When the last sync completed (milliseconds since 1970), if one has.
    public var lastSyncAt: Int64?
    /// Mutations waiting in the outbox.
    public var pending: Int
    /// Rejected writes waiting for the helper's attention.
    public var rejected: Int

    /// Makes a status.
    public init(activity: Activity = .idle, lastSyncAt: Int64? = nil, pending: Int = 0, rejected: Int = 0) {
        self.activity = activity
        self.lastSyncAt = lastSyncAt
        self.pending = pending
        self.rejected = rejected
    }
}
