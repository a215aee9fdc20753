import Synchronization
import SyncModel

/// A ``LocalStore`` in memory: the twin of ``SQLiteLocalStore`` for tests and for simulators that run
/// thousands of virtual devices. Each method holds the lock for its whole body, which makes it a transaction.
public final class MemoryLocalStore: LocalStore {
    private struct Key: Hashable {
        var collection: String
        var id: String
    }

    private struct State {
        var sync: LocalSyncState?
        var records: [Key: ConfirmedRecord] = [:]
        /// Ascending by `seq`: appends always carry the next number.
        var outbox: [Mutation] = []
        var rejected: [Int64: RejectedWrite] = [:]
        var dismissed: Set<Int64> = []
        /// Pages of a re-bootstrap, until the last one arrives.
        var staged: [Key: ConfirmedRecord] = [:]
        var cardTrust: [UInt8]?

        func requireSync() throws -> LocalSyncState {
            guard let sync else { throw LocalStoreError.notPrepared }
            return sync
        }
    }

    private let state = Mutex(State())

    /// Makes an empty store.
    public init() {}

    public func prepare(deviceId: String) async throws -> LocalSyncState {
        try state.withLock { state in
            if let existing = state.sync {
                guard existing.deviceId == deviceId else { throw LocalStoreError.deviceMismatch }
                return existing
            }
            let fresh = LocalSyncState(deviceId: deviceId)
            state.sync = fresh
            return fresh
        }
    }

    public func syncState() async throws -> LocalSyncState {
        try state.withLock { try $0.requireSync() }
    }

    public func enqueue(_ write: LocalWrite, now: Int64) async throws -> Mutation {
        try state.withLock { state in
            var sync = try state.requireSync()
            let confirmed = state.records[Key(collection: write.collection, id: write.recordId)]
            let mutation = sync.makeMutation(for: write, confirmedVersion: confirmed?.version, now: now)
            state.outbox.append(mutation)
            state.sync = sync
            return mutation
        }
    }

    public func pendingMutations(fromSeq: Int64, limit: Int) async throws -> [Mutation] {
        state.withLock { state in
            let first = max(fromSeq, (state.sync?.lastAppliedSeq ?? 0) + 1)
            return Array(state.outbox.lazy.filter { $0.seq >= first }.prefix(limit))
        }
    }

    public func pendingCount() async throws -> Int {
        state.withLock { state in
            let acknowledged = state.sync?.lastAppliedSeq ?? 0
            return state.outbox.count { $0.seq > acknowledged }
        }
    }

    @discardableResult
    public func acknowledge(upTo lastAppliedSeq: Int64, results: [MutationResult], now: Int64) async throws -> Int {
        try state.withLock { state in
            var sync = try state.requireSync()
            let outbox = state.outbox
            let rejections = RejectedWrite.from(results, mutations: { seq in outbox.first { $0.seq == seq } },
                                                now: now)
            var added = 0
            for rejection in rejections where state.rejected[rejection.seq] == nil {
                state.rejected[rejection.seq] = rejection
                added += 1
            }
            // Accepted writes stay (no longer sent) and keep showing in the view until a caught-up pull brings
            // their effect; rejected ones never apply, so they go now.
            let rejectedSeqs = Set(rejections.map(\.seq))
            state.outbox.removeAll { rejectedSeqs.contains($0.seq) }
            sync.acknowledge(upTo: lastAppliedSeq)
            state.sync = sync
            return added
        }
    }

    public func applyPullPage(_ page: PullResponse, now: Int64) async throws {
        try state.withLock { state in
            var sync = try state.requireSync()
            for change in page.changes {
                let key = Key(collection: change.collection, id: change.recordId)
                let value = change.deleted || change.removed == true ? nil : ConfirmedRecord(change)
                if sync.resyncing { state.staged[key] = value } else { state.records[key] = value }
            }
            if sync.resyncing && !page.hasMore {
                state.records = state.staged
                state.staged = [:]
                sync.resyncing = false
            }
            sync.absorb(page, now: now)
            if !page.hasMore { state.outbox.removeAll { $0.seq <= page.lastAppliedSeq } }
            state.sync = sync
        }
    }

    public func beginResync() async throws {
        try state.withLock { state in
            var sync = try state.requireSync()
            sync.cursor = ""
            sync.resyncing = true
            state.staged = [:]
            state.sync = sync
        }
    }

    public func integrityRequest() async throws -> IntegrityRequest {
        state.withLock { state in
            IntegrityRequest.make(state.records.values.map { record in
                (record.collection, record.id, record.version, record.fields["householdId"]?.stringValue)
            })
        }
    }

    public func saveCardTrust(_ body: [UInt8]) async throws {
        state.withLock { $0.cardTrust = body }
    }

    public func savedCardTrust() async throws -> [UInt8]? {
        state.withLock { $0.cardTrust }
    }

    public func wipe() async throws {
        state.withLock { $0 = State() }
    }

    public func purge(households: Set<String>) async throws {
        state.withLock { state in
            state.records = state.records.filter { key, record in
                let household = key.collection == "households" ? key.id : record.fields["householdId"]?.stringValue
                return !households.contains(household ?? "")
            }
        }
    }

    public func snapshot(collection: String, recordId: String?) async throws -> LocalSnapshot {
        state.withLock { state in
            let confirmed: [ConfirmedRecord]
            if let recordId {
                confirmed = state.records[Key(collection: collection, id: recordId)].map { [$0] } ?? []
            } else {
                confirmed = state.records.values.filter { $0.collection == collection }.sorted { $0.id < $1.id }
            }
            let pending = state.outbox.filter {
                $0.collection == collection && (recordId == nil || $0.recordId == recordId)
            }
            return LocalSnapshot(confirmed: confirmed, pending: pending)
        }
    }

    public func rejectedWrites() async throws -> [RejectedWrite] {
        state.withLock { state in
            state.rejected.values.filter { !state.dismissed.contains($0.seq) }.sorted { $0.seq < $1.seq }
        }
    }

    public func dismissRejectedWrite(seq: Int64) async throws {
        state.withLock { _ = $0.dismissed.insert(seq) }
    }
}
