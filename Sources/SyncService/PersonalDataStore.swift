import Synchronization
import SyncEngine
import SyncModel
import SyncStore

/// The storage port with personal data encrypted at rest (docs/personal-data.md; protocol/security.md §5):
/// a decorator over any adapter, so the three adapters keep knowing no domain rule and one conformance
/// suite, run through this type, covers them all. What goes in is encrypted (`PersonalDataCipher`), what
/// comes out is decrypted; the closures the port calls inside its transactions (the push planner, conflict
/// resolution, admin changes, audit builders) see plaintext, so validation and the audit log's keyed hashes
/// work on values, not ciphertexts. Kept rejected writes store masks instead (`PersonalDataMask.everywhere`).
///
/// Operations that carry no record values (devices, admins, the audit log, the sync log) pass through
/// (`PersonalDataStore+Forwarding.swift`).
package final class PersonalDataStore: SyncStore {
    /// The adapter underneath.
    package let base: any SyncStore
    package let cipher: PersonalDataCipher

    package init(wrapping base: any SyncStore, cipher: PersonalDataCipher) {
        self.base = base
        self.cipher = cipher
    }

    package func applyPush(_ load: PushLoad, planner: @escaping @Sendable (PushSnapshot) -> PushPlan) async throws -> PushPlan {
        let cipher = self.cipher
        let plain = Mutex<Result<PushPlan, any Error>?>(nil)
        let stored = try await base.applyPush(load) { snapshot in
            do {
                var opened = snapshot
                opened.records = try snapshot.records.mapValues(cipher.open)
                let plan = planner(opened)
                plain.withLock { $0 = .success(plan) }
                return try Self.sealed(plan, cipher: cipher)
            } catch {
                plain.withLock { $0 = .failure(error) }
                return PushPlan.nothing(lastAppliedSeq: snapshot.lastAppliedSeq)
            }
        }
        _ = stored
        guard let result = plain.withLock({ $0 }) else { throw SyncStoreError(.corruptRecord, "push planner did not run") }
        return try result.get()
    }

    /// The plan as the store writes it: records and conflicts encrypted, kept rejections masked.
    static func sealed(_ plan: PushPlan, cipher: PersonalDataCipher) throws -> PushPlan {
        var sealed = plan
        sealed.writes = try plan.writes.map(cipher.seal)
        sealed.conflicts = try plan.conflicts.map(cipher.seal)
        sealed.rejections = plan.rejections.map { rejection in
            var masked = rejection
            masked.mutation = PersonalDataMask.everywhere(rejection.mutation)
            return masked
        }
        return sealed
    }

    package func pull(_ query: PullQuery) async throws -> PullPage {
        var page = try await base.pull(query)
        page.items = try page.items.map { item in
            guard case .record(let record) = item else { return item }
            return .record(try cipher.open(record))
        }
        return page
    }

    package func importRecords(_ records: [SyncRecord], audit: [AuditEntry]) async throws -> Int64 {
        try await base.importRecords(try records.map(cipher.seal), audit: audit)
    }

    package func record(_ key: RecordKey) async throws -> SyncRecord? {
        try await base.record(key).map(cipher.open)
    }

    package func conflicts(_ query: ConflictQuery) async throws -> [Conflict] {
        try await base.conflicts(query).map(cipher.open)
    }

    package func conflict(id: String) async throws -> Conflict? {
        try await base.conflict(id: id).map(cipher.open)
    }

    package func resolveConflict(
        id: String,
        audit: @escaping @Sendable (_ before: SyncRecord, _ after: SyncRecord?, _ settled: [Conflict]) -> [AuditEntry],
        _ resolve: @escaping @Sendable (Conflict, SyncRecord, [Conflict]) throws -> (SyncRecord?, [Conflict])
    ) async throws -> [Conflict] {
        let cipher = self.cipher
        let settled = try await base.resolveConflict(id: id, audit: { before, after, settled in
            // Built from what the closure below returned, encrypted: the audit hashes plaintext values.
            let opened = (try? cipher.open(before)) ?? before
            let openedAfter = after.map { (try? cipher.open($0)) ?? $0 }
            return audit(opened, openedAfter, settled.map { (try? cipher.open($0)) ?? $0 })
        }) { conflict, record, others in
            let (written, settled) = try resolve(try cipher.open(conflict), try cipher.open(record), try others.map(cipher.open))
            return (try written.map(cipher.seal), try settled.map(cipher.seal))
        }
        return try settled.map(cipher.open)
    }

    package func compact(collections: Set<CollectionName>, audit: @escaping @Sendable (CompactionReport) -> [AuditEntry],
                         _ purgeable: @escaping @Sendable (SyncRecord) -> Bool) async throws -> CompactionReport
    {
        let cipher = self.cipher
        return try await base.compact(collections: collections, audit: audit) { record in
            purgeable((try? cipher.open(record)) ?? record)
        }
    }

    package func updateRecord(
        _ key: RecordKey, audit: @escaping @Sendable (_ before: SyncRecord, _ after: SyncRecord) -> [AuditEntry],
        _ change: @escaping @Sendable (SyncRecord) throws -> SyncRecord
    ) async throws -> SyncRecord {
        let cipher = self.cipher
        let written = try await base.updateRecord(key, audit: { before, after in
            audit((try? cipher.open(before)) ?? before, (try? cipher.open(after)) ?? after)
        }) { record in try cipher.seal(try change(try cipher.open(record))) }
        return try cipher.open(written)
    }

    package func rewriteRecords(_ collection: CollectionName, after: String?, limit: Int,
                                _ rewrite: @escaping @Sendable (SyncRecord) throws -> SyncRecord?) async throws -> RewritePass {
        try await base.rewriteRecords(collection, after: after, limit: limit, rewrite)
    }

    package func rewriteConflicts(after: String?, limit: Int,
                                  _ rewrite: @escaping @Sendable (Conflict) throws -> Conflict?) async throws -> RewritePass {
        try await base.rewriteConflicts(after: after, limit: limit, rewrite)
    }
}
