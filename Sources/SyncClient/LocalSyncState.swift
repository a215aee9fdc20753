import SyncModel

/// The bookkeeping a ``LocalStore`` keeps beside the records: who this device is, where it is in the
/// server's change log, and where it is in its own mutation sequence.
///
/// Both stores change it only through the methods below, inside the same transaction as the data they
/// describe, so the two adapters cannot drift apart in how they number, stamp or acknowledge.
public struct LocalSyncState: Sendable, Hashable {
    /// The device this store belongs to.
    public var deviceId: String
    /// The opaque pull cursor; empty before the first pull.
    public var cursor: String
    /// The sequence number the next local write gets (1 for a fresh device).
    public var nextSeq: Int64
    /// The highest sequence number the server has acknowledged (0 before any).
    public var lastAppliedSeq: Int64
    /// The newest hybrid-logical-clock stamp this device issued or observed.
    public var lastStamp: HLCTimestamp
    /// A re-bootstrap is under way: pulled pages are staged and replace the local records, in one
    /// transaction, when the last page arrives (protocol/scopes.md §6).
    public var resyncing: Bool

    /// Makes a state.
    public init(deviceId: String, cursor: String = "", nextSeq: Int64 = 1, lastAppliedSeq: Int64 = 0,
                lastStamp: HLCTimestamp = .zero, resyncing: Bool = false) {
        self.deviceId = deviceId
        self.cursor = cursor
        self.nextSeq = nextSeq
        self.lastAppliedSeq = lastAppliedSeq
        self.lastStamp = lastStamp
        self.resyncing = resyncing
    }

    /// Numbers and stamps a local write: the outbox append, the `nextSeq` bump and the clock advance are one
    /// step, so the store persists all three in one transaction.
    mutating func makeMutation(for write: LocalWrite, confirmedVersion: Int64?, now: Int64) -> Mutation {
        var clock = HybridLogicalClock(node: deviceId, last: lastStamp)
        let stamp = clock.tick(now: now)
        lastStamp = clock.last
        let seq = nextSeq
        nextSeq += 1
        return Mutation(seq: seq, collection: write.collection, recordId: write.recordId, op: write.op,
                        fields: write.fields, stamp: stamp,
                        baseVersion: write.op == .create ? nil : confirmedVersion)
    }

    /// Takes in a pulled page's bookkeeping: the new cursor, the acknowledged sequence, and every stamp seen.
    mutating func absorb(_ page: PullResponse, now: Int64) {
        cursor = page.cursor
        acknowledge(upTo: page.lastAppliedSeq)
        var clock = HybridLogicalClock(node: deviceId, last: lastStamp)
        for change in page.changes {
            for stamp in change.stamps.values { clock.observe(stamp, now: now) }
        }
        lastStamp = clock.last
    }

    /// Records that the server has applied everything up to `seq`; never moves backwards.
    mutating func acknowledge(upTo seq: Int64) {
        lastAppliedSeq = max(lastAppliedSeq, seq)
    }
}

extension RejectedWrite {
    /// The rejected writes a push response reports, for results that carry a sequence number.
    static func from(_ results: [MutationResult], mutations: (Int64) -> Mutation?, now: Int64) -> [RejectedWrite] {
        results.compactMap { result in
            guard result.status == .rejected, let seq = result.seq else { return nil }
            return RejectedWrite(seq: seq, code: result.code ?? ErrorCode("unknown"), field: result.field,
                                 message: result.message ?? "", mutation: mutations(seq), recordedAt: now)
        }
    }
}
