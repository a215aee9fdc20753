import SyncEngine
import SyncModel

// In-place rewrites (the background re-encryption) in memory: under the store's lock, so no write interleaves.
extension MemorySyncStore {
    package func rewriteRecords(_ collection: CollectionName, after: String?, limit: Int,
                                _ rewrite: @escaping @Sendable (SyncRecord) throws -> SyncRecord?) async throws -> RewritePass {
        try state.withLock { state in
            let ids = state.records.keys.lazy.filter { $0.collection == collection && (after == nil || $0.id > after!) }
                .map(\.id).sorted().prefix(limit)
            var rewritten = 0
            for id in ids {
                let key = RecordKey(collection, id)
                guard let record = state.records[key], let changed = try rewrite(record) else { continue }
                state.records[key]?.fields = changed.fields
                rewritten += 1
            }
            return RewritePass(last: ids.last, rewritten: rewritten)
        }
    }

    package func rewriteConflicts(after: String?, limit: Int,
                                  _ rewrite: @escaping @Sendable (Conflict) throws -> Conflict?) async throws -> RewritePass {
        try state.withLock { state in
            let ids = state.conflictIndex.keys.filter { after == nil || $0 > after! }.sorted().prefix(limit)
            var rewritten = 0
            for id in ids {
                guard let index = state.conflictIndex[id], let changed = try rewrite(state.conflicts[index]) else { continue }
                var kept = changed
                (kept.id, kept.status) = (state.conflicts[index].id, state.conflicts[index].status)
                state.conflicts[index] = kept
                rewritten += 1
            }
            return RewritePass(last: ids.last, rewritten: rewritten)
        }
    }
}
