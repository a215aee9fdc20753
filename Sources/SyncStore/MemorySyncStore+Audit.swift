import SyncEngine
import SyncModel

// The `AuditLog` port in memory: chained under the store's lock as entries are appended.
extension MemorySyncStore {
    package func appendAudit(_ entries: [AuditEntry]) async throws {
        state.withLock { $0.appendAudit(entries) }
    }

    package func auditHead() async throws -> AuditHead {
        state.withLock { $0.auditHead }
    }

    package func auditRecords(after seq: Int64, limit: Int) async throws -> [AuditRecord] {
        state.withLock { state in
            // Entries are kept in order from seq 1, so seq n sits at index n - 1.
            let start = Int(max(seq, 0))
            guard start < state.audit.count else { return [] }
            return Array(state.audit[start..<min(state.audit.count, start + limit)])
        }
    }

    package func auditRecords(of key: RecordKey, limit: Int) async throws -> [AuditRecord] {
        state.withLock { state in
            Array(state.audit.lazy.filter { (try? $0.entry().recordKey) == key }.prefix(limit))
        }
    }
}
