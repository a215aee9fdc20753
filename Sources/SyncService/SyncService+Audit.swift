import FieldDomain
import SyncEngine
import SyncModel
import SyncStore

/// Reading the audit log: verification of the whole chain and one record's history (protocol/audit.md).
extension SyncService {
    /// The outcome of `verifyAudit`.
    package struct AuditVerification: Sendable, Hashable {
        /// The last entry that checked out (the head, when the chain holds).
        package var verified: AuditHead
        /// The first break, if any.
        package var failure: AuditVerifier.Break?
    }

    /// Walks the whole chain in pages of `pageSize` entries (bounded memory) up to the head row read first,
    /// and reports the first break, also against `anchor` (`HASH@SEQ` the operator kept).
    package func verifyAudit(anchor: AuditHead? = nil, pageSize: Int = 1000) async throws -> AuditVerification {
        let head = try await store.auditHead()
        var verifier = AuditVerifier(anchor: anchor)
        var after: Int64 = 0
        // Entries chained after the head was read are left for the next run.
        while after < head.seq {
            let page = try await store.auditRecords(after: after, limit: pageSize).filter { $0.seq <= head.seq }
            guard let last = page.last else { break }
            if verifier.check(page) != nil { break }
            after = last.seq
        }
        let failure = verifier.finish(storedHead: head)
        return AuditVerification(verified: verifier.last, failure: failure)
    }

    /// One record's history for an admin: who changed which field when, oldest first. Refused with
    /// `forbidden` outside the caller's region, `recordNotFound` when neither the record nor any entry
    /// about it exists.
    package func recordHistory(_ key: RecordKey, by caller: Principal, limit: Int = 1000) async throws -> [AuditRecord] {
        let record = try await store.record(key)
        // A compacted record's region is read from its id, as the delete route does.
        try requireRegion(caller, covers: record?.scope.villageCode ?? Scope.village(ofHousehold: String(key.id.prefix(16))))
        let history = try await store.auditRecords(of: key, limit: min(max(limit, 1), 1000))
        if record == nil && history.isEmpty { throw ServiceError(.recordNotFound, "记录不存在 (record not found)") }
        return history
    }
}
