import FieldDomain
import Foundation
import PostgresNIO
import SyncEngine
import SyncModel
import SyncStore

// The sync log, admin queries, conflict resolution, compaction and the `AdminDirectory` port on
// PostgreSQL.
extension PostgresSyncStore {
    package func appendSyncLog(_ entries: [SyncLogEntry]) async throws {
        guard !entries.isEmpty else { return }
        // Device rows are updated in device order, once each, so that two flushes (or a flush and the pushes
        // that lock their device's row) never wait for each other in a cycle.
        let byDevice = Dictionary(grouping: entries, by: \.deviceId)
        try await retryingRaces {
            try await self.transaction { connection in
                for entry in entries {
                    try await connection.query("""
                        INSERT INTO sync_log (device_id, kind, at, pushed, applied, rejected, pulled, version,
                                              duration_us, client_version, clock_skew)
                        VALUES (\(entry.deviceId), \(entry.kind.rawValue), \(entry.at), \(Int32(entry.pushed)),
                                \(Int32(entry.applied)), \(Int32(entry.rejected)), \(Int32(entry.pulled)), \(entry.version),
                                \(entry.durationMicros), \(entry.clientVersion), \(entry.clockSkewClamped))
                        """, logger: self.logger)
                }
                for deviceId in byDevice.keys.sorted() {
                    let entries = byDevice[deviceId]!
                    let lastPull = entries.last { $0.kind == .pull }
                    let clientVersion = entries.last { $0.clientVersion != nil }?.clientVersion
                    try await connection.query("""
                        UPDATE devices SET
                            last_sync_at = GREATEST(COALESCE(last_sync_at, 0), \(entries.map(\.at).max() ?? 0)),
                            client_version = COALESCE(\(clientVersion), client_version),
                            cursor_version = COALESCE(\(lastPull?.version), cursor_version),
                            clock_skew_flagged = clock_skew_flagged OR \(entries.contains { $0.clockSkewClamped })
                        WHERE device_id = \(deviceId)
                        """, logger: self.logger)
                }
            }
        }
    }

    package func deviceStates() async throws -> [DeviceSyncState] {
        try await transaction { connection in
            try await connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", logger: logger)
            let head = try await meta("head", on: connection)
            return try await rows("""
                SELECT d.*, (SELECT COUNT(*) FROM rejections r WHERE r.device_id = d.device_id AND r.resolved = FALSE)
                    AS rejected_open
                FROM devices d ORDER BY d.device_id
                """, on: connection).map { row in
                let cursor = try row["cursor_version"].decode(Int64.self)
                return DeviceSyncState(
                    deviceId: try row["device_id"].decode(String.self), helperId: try row["helper_id"].decode(String.self),
                    label: try row["label"].decode(String?.self), lastSyncAt: try row["last_sync_at"].decode(Int64?.self),
                    lastAppliedSeq: try row["last_applied_seq"].decode(Int64.self), cursorVersion: cursor,
                    lag: max(0, head - cursor), rejectedOpen: Int(try row["rejected_open"].decode(Int64.self)),
                    clientVersion: try row["client_version"].decode(String?.self),
                    clockSkewFlagged: try row["clock_skew_flagged"].decode(Bool.self))
            }
        }
    }

    package func rejections(deviceIds: Set<String>?, limit: Int) async throws -> [RejectedMutation] {
        try await withConnection { connection in
            let query: PostgresQuery
            if let deviceIds {
                query = "SELECT * FROM rejections WHERE device_id = ANY(\(deviceIds.sorted())) ORDER BY id DESC LIMIT \(Int64(limit))"
            } else {
                query = "SELECT * FROM rejections ORDER BY id DESC LIMIT \(Int64(limit))"
            }
            return try await rows(query, on: connection).map(Self.rejection(from:))
        }
    }

    package func helpers(limit: Int, offset: Int) async throws -> (helpers: [HelperSummary], total: Int) {
        try await withConnection { connection in
            let total = try await scalar(
                "SELECT COUNT(*) FROM records WHERE collection = 'helpers' AND deleted = FALSE", on: connection) ?? 0
            let helpers = try await rows("""
                SELECT h.id, h.fields,
                    (SELECT COUNT(*) FROM records a
                     WHERE a.collection = 'assignments' AND a.deleted = FALSE AND a.helper_id = h.id) AS households
                FROM records h WHERE h.collection = 'helpers' AND h.deleted = FALSE
                ORDER BY h.id LIMIT \(Int64(limit)) OFFSET \(Int64(offset))
                """, on: connection).map { row in
                let fields = try RecordCodec.decodeFields(row["fields"].decode(Data.self))
                return HelperSummary(id: try row["id"].decode(String.self), name: fields["name"]?.stringValue ?? "",
                                     unit: fields["unit"]?.stringValue ?? "",
                                     households: Int(try row["households"].decode(Int64.self)))
            }
            return (helpers, Int(total))
        }
    }

    package func conflicts(_ query: ConflictQuery) async throws -> [Conflict] {
        try await withConnection { connection in
            var binds = PostgresBindings()
            var clauses: [String] = []
            if let status = query.status {
                binds.append(status.rawValue)
                clauses.append("status = $\(binds.count)")
            }
            if let kind = query.kind {
                binds.append(kind.rawValue)
                clauses.append("kind = $\(binds.count)")
            }
            if let recordId = query.recordId {
                binds.append(recordId)
                clauses.append("record_id = $\(binds.count)")
            }
            if let prefix = query.regionPrefix {
                // Region codes are digits only (checked by the caller), so a range scan is a prefix match.
                binds.append(prefix)
                binds.append(prefix + ":")
                clauses.append("village_code >= $\(binds.count - 1) AND village_code < $\(binds.count)")
            }
            binds.append(Int64(query.limit))
            let filter = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
            let sql = "SELECT body FROM conflicts \(filter) ORDER BY seq DESC LIMIT $\(binds.count)"
            var conflicts: [Conflict] = []
            for try await body in try await connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
                .decode(Data.self) { conflicts.append(try RecordCodec.decodeConflict(body)) }
            return conflicts
        }
    }

    package func conflict(id: String) async throws -> Conflict? {
        try await withConnection { connection in
            for try await body in try await connection.query("SELECT body FROM conflicts WHERE id = \(id)", logger: logger)
                .decode(Data.self) { return try RecordCodec.decodeConflict(body) }
            return nil
        }
    }

    package func resolveConflict(
        id: String,
        audit: @escaping @Sendable (_ before: SyncRecord, _ after: SyncRecord?, _ settled: [Conflict]) -> [AuditEntry],
        _ resolve: @escaping @Sendable (Conflict, SyncRecord, [Conflict]) throws -> (SyncRecord?, [Conflict])
    ) async throws -> [Conflict] {
        let (settled, wrote) = try await retryingRaces {
            try await self.resolveInTransaction(id: id, audit: audit, resolve)
        }
        if wrote { await sequenceAfterCommit() }
        return settled
    }

    /// Returns the settled conflicts and whether anything (a record, audit entries) awaits a tick.
    private func resolveInTransaction(
        id: String,
        audit: @escaping @Sendable (_ before: SyncRecord, _ after: SyncRecord?, _ settled: [Conflict]) -> [AuditEntry],
        _ resolve: @escaping @Sendable (Conflict, SyncRecord, [Conflict]) throws -> (SyncRecord?, [Conflict])
    ) async throws -> ([Conflict], Bool) {
        try await transaction { connection in
            var body: Data?
            for try await found in try await connection.query(
                "SELECT body FROM conflicts WHERE id = \(id) FOR UPDATE", logger: logger).decode(Data.self) { body = found }
            guard let body else { throw SyncStoreError(.conflictNotFound, id) }
            let conflict = try RecordCodec.decodeConflict(body)
            let key = RecordKey(conflict.collection, conflict.recordId)
            guard let record = try await records(connection, keys: [key], lock: true)[key] else {
                throw SyncStoreError(.recordNotFound, key.description)
            }
            var others: [Conflict] = []
            for try await other in try await connection.query("""
                SELECT body FROM conflicts
                WHERE record_id = \(conflict.recordId) AND collection = \(conflict.collection.rawValue)
                  AND status = 'open' AND id <> \(id)
                """, logger: logger).decode(Data.self) { others.append(try RecordCodec.decodeConflict(other)) }
            var (updated, resolved) = try resolve(conflict, record, others)
            updated?.version = record.version + 1
            if let updated { try await upsert([updated], mode: .replace, on: connection) }
            for settled in resolved {
                try await connection.query("""
                    UPDATE conflicts SET status = \(settled.status.rawValue), body = \(try RecordCodec.encodeConflict(settled))
                    WHERE id = \(settled.id)
                    """, logger: logger)
            }
            let entries = audit(record, updated, resolved)
            try await insertAudit(entries, on: connection)
            return (resolved, updated != nil || !entries.isEmpty)
        }
    }

    package func compact(collections: Set<CollectionName>, audit: @escaping @Sendable (CompactionReport) -> [AuditEntry],
                         _ purgeable: @escaping @Sendable (SyncRecord) -> Bool) async throws -> CompactionReport
    {
        let (report, audited) = try await transaction { connection in
            // Only states already in the log: an unsequenced one is newer than anything a device could have
            // missed. Each delete names the position it judged, so a state written meanwhile is kept.
            let names = collections.map(\.rawValue).sorted()
            var doomed: [(collection: String, id: String, position: Int64)] = []
            for row in try await rows("""
                SELECT * FROM records WHERE position IS NOT NULL AND (deleted OR collection = ANY(\(names)))
                """, on: connection) {
                let record = try Self.decodeRecord(row)
                if purgeable(record) { doomed.append((record.collection.rawValue, record.id, record.position)) }
            }
            var horizon = try await meta("compacted_through", on: connection)
            var purged = 0
            for (collection, id, position) in doomed {
                let deleted = try await scalar("""
                    WITH gone AS (DELETE FROM records WHERE collection = \(collection) AND id = \(id)
                                  AND position = \(position) RETURNING 1)
                    SELECT count(*) FROM gone
                    """, on: connection) ?? 0
                guard deleted > 0 else { continue }
                purged += 1
                horizon = max(horizon, position)
            }
            try await connection.query("UPDATE meta SET value = \(horizon) WHERE key = 'compacted_through'", logger: logger)
            let report = CompactionReport(purged: purged, compactedThrough: horizon)
            let entries = audit(report)
            try await insertAudit(entries, on: connection)
            return (report, !entries.isEmpty)
        }
        if audited { await sequenceAfterCommit() }
        return report
    }

    package func updateRecord(
        _ key: RecordKey, audit: @escaping @Sendable (_ before: SyncRecord, _ after: SyncRecord) -> [AuditEntry],
        _ change: @escaping @Sendable (SyncRecord) throws -> SyncRecord
    ) async throws -> SyncRecord {
        try await retryingRaces {
            try await self.transaction { connection in
                guard let record = try await self.records(connection, keys: [key], lock: true)[key] else {
                    throw SyncStoreError(.recordNotFound, key.description)
                }
                var updated = try change(record)
                updated.version = record.version + 1
                try await self.upsert([updated], mode: .replace, on: connection)
                try await self.insertAudit(audit(record, updated), on: connection)
            }
        }
        await sequenceAfterCommit()
        guard let written = try await record(key) else { throw SyncStoreError(.recordNotFound, key.description) }
        return written
    }

    // MARK: AdminDirectory

    package func insertAdmin(_ account: AdminAccount, audit: [AuditEntry]) async throws {
        try await transaction { connection in
            let inserted = try await rows("""
                INSERT INTO admins (id, name, role, region, token_hash, created_at, disabled)
                VALUES (\(account.id), \(account.name), \(account.role.rawValue), \(account.region), \(account.tokenHash),
                        \(account.createdAt), \(account.disabled))
                ON CONFLICT (id) DO NOTHING RETURNING id
                """, on: connection)
            guard !inserted.isEmpty else { throw SyncStoreError(.duplicateAdmin, "admin id taken") }
            try await insertAudit(audit, on: connection)
        }
        if !audit.isEmpty { await sequenceAfterCommit() }
    }

    package func admin(id: String) async throws -> AdminAccount? {
        try await withConnection { connection in
            try await rows("SELECT * FROM admins WHERE id = \(id)", on: connection).first.map(Self.admin)
        }
    }

    package func admins() async throws -> [AdminAccount] {
        try await withConnection { connection in
            try await rows("SELECT * FROM admins ORDER BY id", on: connection).map(Self.admin)
        }
    }

    package func setAdminDisabled(id: String, _ disabled: Bool, audit: [AuditEntry]) async throws -> Bool {
        let found = try await transaction { connection in
            guard !(try await rows("UPDATE admins SET disabled = \(disabled) WHERE id = \(id) RETURNING id", on: connection))
                .isEmpty
            else { return false }
            try await insertAudit(audit, on: connection)
            return true
        }
        if found && !audit.isEmpty { await sequenceAfterCommit() }
        return found
    }

    package func helperIds(inRegion regionPrefix: String) async throws -> Set<String> {
        try await withConnection { connection in
            var helpers = Set<String>()
            for try await helper in try await connection.query("""
                SELECT DISTINCT helper_id FROM records
                WHERE collection = 'assignments' AND deleted = FALSE AND helper_id IS NOT NULL
                  AND village_code >= \(regionPrefix) AND village_code < \(regionPrefix + ":")
                """, logger: logger).decode(String.self) { helpers.insert(helper) }
            return helpers
        }
    }

    package func householdsAssigned(to helperId: String) async throws -> Set<String> {
        try await withConnection { connection in
            var households = Set<String>()
            for try await household in try await connection.query("""
                SELECT household_id FROM records
                WHERE collection = 'assignments' AND deleted = FALSE AND helper_id = \(helperId) AND household_id IS NOT NULL
                """, logger: logger).decode(String.self) { households.insert(household) }
            return households
        }
    }

    package func helpersAssigned(to households: Set<String>) async throws -> [String: Set<String>] {
        try await withConnection { connection in
            var helpers: [String: Set<String>] = [:]
            for try await (household, helper) in try await connection.query("""
                SELECT household_id, helper_id FROM records
                WHERE collection = 'assignments' AND deleted = FALSE AND helper_id IS NOT NULL
                  AND household_id = ANY(\(households.sorted()))
                """, logger: logger).decode((String, String).self) { helpers[household, default: []].insert(helper) }
            return helpers
        }
    }

    private static func admin(_ row: PostgresRandomAccessRow) throws -> AdminAccount {
        guard let role = AdminRole(rawValue: try row["role"].decode(String.self)) else {
            throw SyncStoreError(.corruptRecord, "unknown admin role in store")
        }
        return AdminAccount(id: try row["id"].decode(String.self), name: try row["name"].decode(String.self), role: role,
                            region: try row["region"].decode(String.self), tokenHash: try row["token_hash"].decode(String.self),
                            createdAt: try row["created_at"].decode(Int64.self), disabled: try row["disabled"].decode(Bool.self))
    }
}
