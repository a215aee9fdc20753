import FieldDomain
import SyncEngine
import SyncModel
import SyncStore

/// The review queue and admin record changes (DESIGN §3.7; protocol/conflicts.md).
extension SyncService {
    /// Conflicts for admins, newest first; member ID numbers in them are masked.
    package func conflicts(_ query: ConflictQuery) async throws -> [Conflict] {
        if let region = query.regionPrefix, ![6, 9, 12].contains(region.count) || !region.allSatisfy(\.isASCIIDigit) {
            throw ServiceError(.invalidRequest, "region 应为6位县、9位乡镇或12位村代码 (region must be a 6-, 9- or 12-digit code)")
        }
        var query = query
        query.limit = min(max(query.limit, 1), 500)
        return try await store.conflicts(query).map(Self.masked)
    }

    /// One conflict, unmasked (the reviewer needs both values), with the field's current value.
    package func conflictDetail(id: String) async throws -> (conflict: Conflict, current: JSONValue?) {
        guard let conflict = try await store.conflict(id: id) else { throw Self.notFound }
        let record = try await store.record(RecordKey(conflict.collection, conflict.recordId))
        let current: JSONValue?
        if let record, record.deleted {
            current = nil
        } else if let field = conflict.field {
            current = record?.fields[field] ?? .null
        } else {
            current = record.map { record in .object(conflict.fields.reduce(into: [:]) { $0[$1] = record.fields[$1] ?? .null }) }
        }
        return (conflict, current)
    }

    /// Resolves an open conflict: the chosen value becomes a new version of the record. Returns every
    /// conflict settled, `id` first (choosing a side also settles the other fields of the same edit).
    package func resolveConflict(id: String, request: ConflictResolver.Request) async throws -> [Conflict] {
        let resolver = ConflictResolver(serverNow: now())
        let (redactor, at, actor) = (self.redactor, resolver.serverNow, request.resolvedBy ?? Self.operatorId)
        let audit: @Sendable (SyncRecord, SyncRecord?, [Conflict]) -> [AuditEntry] = { before, after, settled in
            let detail: [String: JSONValue] = [
                "conflicts": .array(settled.map { .string($0.id) }), "choice": .string(request.choice.rawValue),
            ]
            guard let after else {
                return [AuditEntry(action: .conflictResolve, at: at, actor: actor, collection: before.collection.rawValue,
                                   recordId: before.id, revision: before.version, detail: detail)]
            }
            return [.recordWrite(.conflictResolve, before: before, after: after, actor: actor, at: at, detail: detail,
                                 redactor: redactor)]
        }
        do {
            let resolved = try await store.resolveConflict(id: id, audit: audit) { conflict, record, others in
                let result = try resolver.resolve(conflict, record: record, request: request,
                                                  others: others)
                return (result.record, result.conflicts)
            }
            logger.info("conflict resolved", metadata: [
                "conflict.id": "\(id)", "conflict.choice": "\(request.choice.rawValue)",
                "conflict.settled": "\(resolved.count)", "record.version": "\(resolved.first?.resolution?.version ?? 0)",
            ])
            return resolved
        } catch let error as SyncStoreError where error.code == .conflictNotFound {
            throw Self.notFound
        } catch let error as SyncStoreError where error.code == .recordNotFound {
            // Compaction forgot the tombstone the conflict was about (protocol/scopes.md §7).
            throw ServiceError(.recordNotFound, "记录已被清理，冲突无法处理 (the record was compacted away)")
        } catch let refusal as ConflictResolver.Refusal {
            throw ServiceError(refusal.code, refusal.message)
        }
    }

    /// Deletes a household or member as an admin: a tombstone that pull delivers; later device edits of it
    /// become `deleted` conflicts, never a resurrection.
    package func deleteRecord(_ key: RecordKey, by actor: String = operatorId) async throws -> SyncRecord {
        let resolver = ConflictResolver(serverNow: now())
        let (redactor, at) = (self.redactor, resolver.serverNow)
        let audit: @Sendable (SyncRecord, SyncRecord) -> [AuditEntry] = { before, after in
            [.recordWrite(.recordDelete, before: before, after: after, actor: actor, at: at, redactor: redactor)]
        }
        do {
            let tombstone = try await store.updateRecord(key, audit: audit) { record in
                try resolver.delete(record)
            }
            logger.info("record deleted by admin", metadata: ["record": "\(key)", "record.version": "\(tombstone.version)"])
            return tombstone
        } catch let error as SyncStoreError where error.code == .recordNotFound {
            throw ServiceError(.recordNotFound, "记录不存在 (record not found)")
        } catch let refusal as ConflictResolver.Refusal {
            throw ServiceError(refusal.code, refusal.message)
        }
    }

    private static let notFound = ServiceError(.conflictNotFound, "冲突不存在 (conflict not found)")

    /// The conflict with every ID number in its values masked. A hard conflict's values are bare field
    /// values, so each is wrapped under its field name for the mask to recognise `idNumber`.
    static func masked(_ conflict: Conflict) -> Conflict {
        let key = conflict.field ?? ""
        func mask(_ value: JSONValue) -> JSONValue {
            PersonalDataMask.forPhones(.object([key: value])).objectValue?[key] ?? .null
        }
        var masked = conflict
        masked.existing.value = mask(conflict.existing.value)
        masked.incoming.value = mask(conflict.incoming.value)
        if let resolution = conflict.resolution { masked.resolution?.value = mask(resolution.value) }
        return masked
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
