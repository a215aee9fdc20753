import SyncModel

/// What a ``LocalStore`` returns for a read, taken in one read transaction: the confirmed records and the
/// pending mutations that touch them, from which ``LocalView`` computes what the app sees.
public struct LocalSnapshot: Sendable, Hashable {
    /// Confirmed records (server state).
    public var confirmed: [ConfirmedRecord]
    /// Outbox mutations for the same collection (and record, when one was asked for), in `seq` order.
    public var pending: [Mutation]

    /// Makes a snapshot.
    public init(confirmed: [ConfirmedRecord], pending: [Mutation]) {
        self.confirmed = confirmed
        self.pending = pending
    }
}
