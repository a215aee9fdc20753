import FieldDomain
import Foundation
import GRDB
import SyncEngine
import SyncModel
import SyncStore

/// The embedded default store: SQLite through GRDB, in WAL mode with `synchronous = FULL`, so that a push
/// acknowledged to a device is on disk (DESIGN §3a). Writes are serialized by GRDB's writer, so log
/// positions handed out inside the write transaction grow in commit order by construction; pulls read a
/// snapshot concurrently.
package final class SQLiteSyncStore: SyncStore {
    let pool: DatabasePool
    private let committer: GroupCommitter
    package let logAdvances = LogBroadcaster()

    /// Opens (creating if needed) the database at `path`.
    package init(path: String) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            // 64 MiB of page cache per connection: new visit ids land on random index pages, and re-reading
            // them from the OS on every push cost more than the writes.
            try db.execute(sql: "PRAGMA cache_size = -65536")
        }
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        pool = try DatabasePool(path: path, configuration: configuration)
        committer = GroupCommitter(writer: pool, apply: Self.applyPush)
    }

    package func migrate() async throws {
        try SQLiteMigrations.migrator.migrate(pool)
    }

    package func applyPush(_ load: PushLoad, planner: @escaping @Sendable (PushSnapshot) -> PushPlan) async throws -> PushPlan {
        let plan = try await committer.submit(load, planner: planner)
        if !plan.writes.isEmpty { logAdvances.publish(LogAdvance(records: plan.writes)) }
        return plan
    }

    /// One push inside a transaction the group committer opened (in its own savepoint).
    static func applyPush(_ db: Database, _ load: PushLoad, _ planner: (PushSnapshot) -> PushPlan) throws -> PushPlan {
        let lastApplied = try Int64.fetchOne(
            db.cachedStatement(sql: "SELECT last_applied_seq FROM devices WHERE device_id = ?"),
            arguments: [load.deviceId]) ?? 0
        let snapshot = PushSnapshot(
            lastAppliedSeq: lastApplied,
            storedOutcomes: try outcomes(db, deviceId: load.deviceId, seqs: load.seqs.filter { $0 <= lastApplied }),
            records: try records(db, keys: load.keys),
            scope: load.scope.resolve(try assignments(db, of: load.scope.assignmentsOf)))
        let plan = planner(snapshot)
        try write(plan, deviceId: load.deviceId, db: db)
        return plan
    }

    package func pull(_ query: PullQuery) async throws -> PullPage {
        try await pool.read { db in
            let head = try Self.head(db)
            let lastApplied = try Int64.fetchOne(
                db, sql: "SELECT last_applied_seq FROM devices WHERE device_id = ?", arguments: [query.deviceId]) ?? 0
            // The scope is resolved in this snapshot, so it and the records it filters agree.
            let scope = query.scope.resolve(try Self.assignments(db, of: query.scope.assignmentsOf))
            let assembler = PullAssembler(scope: scope, after: query.after, maxBytes: query.maxBytes)
            let movedIn = try Self.householdRecords(db, assembler.movedInHouseholds).map(Self.sized)
            let movedOut = try Self.householdKeys(db, assembler.movedOutHouseholds)
            let (clause, arguments) = Self.scopeClause(scope)
            // An explicit household list lets SQLite walk the (household_id, position) and (helper_id, position)
            // indexes: the cost follows the changes in scope, not the size of the county.
            let sql = "SELECT * FROM records WHERE position > ? AND position <= ? AND (\(clause)) ORDER BY position LIMIT ?"
            let page = try assembler.assemble(movedIn: movedIn, movedOut: movedOut) { afterPosition, limit in
                try Row.fetchAll(db, sql: sql, arguments: StatementArguments([afterPosition, head] + arguments + [limit]))
                    .map(Self.sized)
            }
            return PullPage(items: page.items, hasMore: page.hasMore,
                            cursor: page.hasMore ? page.lastPosition! : max(head, query.after),
                            head: head, lastAppliedSeq: lastApplied, epoch: try Self.meta(db, "epoch"),
                            compactedThrough: try Self.meta(db, "compacted_through"))
        }
    }

    package func importRecords(_ records: [SyncRecord], audit: [AuditEntry]) async throws -> Int64 {
        let head = try await pool.write { db in
            var head = try Self.head(db)
            let current = try Self.records(db, keys: Set(records.map { RecordKey($0.collection, $0.id) }))
            for var record in records {
                record.version = (current[RecordKey(record.collection, record.id)]?.version ?? 0) + 1
                head += 1
                try Self.upsert(record, position: head, db: db)
            }
            try Self.setHead(head, db: db)
            try Self.appendAudit(audit, db: db)
            return head
        }
        if !records.isEmpty { logAdvances.publish(LogAdvance(records: records)) }
        return head
    }

    package func record(_ key: RecordKey) async throws -> SyncRecord? {
        try await pool.read { db in try Self.records(db, keys: [key])[key] }
    }

    package func count(_ collection: CollectionName) async throws -> Int {
        try await pool.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM records WHERE collection = ? AND deleted = 0",
                             arguments: [collection.rawValue]) ?? 0
        }
    }

    package func headVersion() async throws -> Int64 {
        try await pool.read { db in try Self.head(db) }
    }

    package func appendSyncLog(_ entries: [SyncLogEntry]) async throws {
        guard !entries.isEmpty else { return }
        try await pool.write { db in
            for entry in entries {
                try db.execute(sql: """
                    INSERT INTO sync_log (device_id, kind, at, pushed, applied, rejected, pulled, version,
                                          duration_us, client_version, clock_skew)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [entry.deviceId, entry.kind.rawValue, entry.at, entry.pushed, entry.applied,
                                     entry.rejected, entry.pulled, entry.version, entry.durationMicros,
                                     entry.clientVersion, entry.clockSkewClamped])
                try db.execute(sql: """
                    UPDATE devices SET
                        last_sync_at = MAX(COALESCE(last_sync_at, 0), ?),
                        client_version = COALESCE(?, client_version),
                        cursor_version = CASE WHEN ? = 'pull' THEN ? ELSE cursor_version END,
                        clock_skew_flagged = clock_skew_flagged OR ?
                    WHERE device_id = ?
                    """, arguments: [entry.at, entry.clientVersion, entry.kind.rawValue, entry.version,
                                     entry.clockSkewClamped, entry.deviceId])
            }
        }
    }

    package func deviceStates() async throws -> [DeviceSyncState] {
        try await pool.read { db in
            let head = try Self.head(db)
            return try Row.fetchAll(db, sql: """
                SELECT d.*, (SELECT COUNT(*) FROM rejections r WHERE r.device_id = d.device_id AND r.resolved = 0)
                    AS rejected_open
                FROM devices d ORDER BY d.device_id
                """).map { row in
                let cursor: Int64 = row["cursor_version"]
                return DeviceSyncState(
                    deviceId: row["device_id"], helperId: row["helper_id"], label: row["label"],
                    lastSyncAt: row["last_sync_at"], lastAppliedSeq: row["last_applied_seq"],
                    cursorVersion: cursor, lag: max(0, head - cursor), rejectedOpen: row["rejected_open"],
                    clientVersion: row["client_version"], clockSkewFlagged: row["clock_skew_flagged"])
            }
        }
    }

    package func rejections(deviceIds: Set<String>?, limit: Int) async throws -> [RejectedMutation] {
        try await pool.read { db in
            let rows: [Row]
            if let deviceIds {
                // One JSON array argument, however many devices a region has (no bound-variable limit).
                let ids = String(decoding: JSONWriter.bytes(.array(deviceIds.sorted().map { .string($0) })), as: UTF8.self)
                rows = try Row.fetchAll(db, sql: """
                    SELECT * FROM rejections WHERE device_id IN (SELECT value FROM json_each(?))
                    ORDER BY id DESC LIMIT ?
                    """, arguments: [ids, limit])
            } else {
                rows = try Row.fetchAll(db, sql: "SELECT * FROM rejections ORDER BY id DESC LIMIT ?", arguments: [limit])
            }
            return try rows.map(Self.rejection(from:))
        }
    }

    package func helpers(limit: Int, offset: Int) async throws -> (helpers: [HelperSummary], total: Int) {
        try await pool.read { db in
            let total = try Int.fetchOne(
                db, sql: "SELECT COUNT(*) FROM records WHERE collection = 'helpers' AND deleted = 0") ?? 0
            let rows = try Row.fetchAll(db, sql: """
                SELECT h.id, h.fields,
                    (SELECT COUNT(*) FROM records a
                     WHERE a.collection = 'assignments' AND a.deleted = 0 AND a.helper_id = h.id) AS households
                FROM records h WHERE h.collection = 'helpers' AND h.deleted = 0
                ORDER BY h.id LIMIT ? OFFSET ?
                """, arguments: [limit, offset])
            let helpers = try rows.map { row in
                let fields = try RecordCodec.decodeFields(row["fields"])
                return HelperSummary(id: row["id"], name: fields["name"]?.stringValue ?? "",
                                     unit: fields["unit"]?.stringValue ?? "", households: row["households"])
            }
            return (helpers, total)
        }
    }

    package func conflicts(_ query: ConflictQuery) async throws -> [Conflict] {
        try await pool.read { db in
            var clauses: [String] = []
            var arguments: [any DatabaseValueConvertible] = []
            if let status = query.status {
                clauses.append("status = ?")
                arguments.append(status.rawValue)
            }
            if let kind = query.kind {
                clauses.append("kind = ?")
                arguments.append(kind.rawValue)
            }
            if let recordId = query.recordId {
                clauses.append("record_id = ?")
                arguments.append(recordId)
            }
            if let prefix = query.regionPrefix {
                // Region codes are digits only (checked by the caller), so a range scan is a prefix match.
                clauses.append("village_code >= ? AND village_code < ?")
                arguments.append(prefix)
                arguments.append(prefix + ":")
            }
            let filter = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
            arguments.append(query.limit)
            return try Data.fetchAll(db, sql: "SELECT body FROM conflicts \(filter) ORDER BY seq DESC LIMIT ?",
                                     arguments: StatementArguments(arguments)).map(RecordCodec.decodeConflict)
        }
    }

    package func conflict(id: String) async throws -> Conflict? {
        try await pool.read { db in
            try Data.fetchOne(db, sql: "SELECT body FROM conflicts WHERE id = ?", arguments: [id])
                .map(RecordCodec.decodeConflict)
        }
    }

    package func resolveConflict(
        id: String,
        audit: @escaping @Sendable (_ before: SyncRecord, _ after: SyncRecord?, _ settled: [Conflict]) -> [AuditEntry],
        _ resolve: @escaping @Sendable (Conflict, SyncRecord, [Conflict]) throws -> (SyncRecord?, [Conflict])
    ) async throws -> [Conflict] {
        let (resolved, written) = try await pool.write { db -> ([Conflict], SyncRecord?) in
            guard let body = try Data.fetchOne(db, sql: "SELECT body FROM conflicts WHERE id = ?", arguments: [id]) else {
                throw SyncStoreError(.conflictNotFound, id)
            }
            let conflict = try RecordCodec.decodeConflict(body)
            let key = RecordKey(conflict.collection, conflict.recordId)
            guard let record = try Self.records(db, keys: [key])[key] else {
                throw SyncStoreError(.recordNotFound, key.description)
            }
            let others = try Data.fetchAll(db, sql: """
                SELECT body FROM conflicts WHERE record_id = ? AND collection = ? AND status = 'open' AND id <> ?
                """, arguments: [conflict.recordId, conflict.collection.rawValue, id]).map(RecordCodec.decodeConflict)
            var (updated, resolved) = try resolve(conflict, record, others)
            updated?.version = record.version + 1
            if let updated {
                let head = try Self.head(db) + 1
                try Self.upsert(updated, position: head, db: db)
                try Self.setHead(head, db: db)
            }
            for settled in resolved {
                try db.execute(sql: "UPDATE conflicts SET status = ?, body = ? WHERE id = ?",
                               arguments: [settled.status.rawValue, try RecordCodec.encodeConflict(settled), settled.id])
            }
            try Self.appendAudit(audit(record, updated, resolved), db: db)
            return (resolved, updated)
        }
        if let written { logAdvances.publish(LogAdvance(records: [written])) }
        return resolved
    }

    package func compact(collections: Set<CollectionName>, audit: @escaping @Sendable (CompactionReport) -> [AuditEntry],
                         _ purgeable: @escaping @Sendable (SyncRecord) -> Bool) async throws -> CompactionReport
    {
        try await pool.write { db in
            let names = collections.map(\.rawValue).sorted()
            let rows = try Row.fetchCursor(db, sql: """
                SELECT * FROM records WHERE deleted = 1 OR collection IN (\(databaseQuestionMarks(count: max(names.count, 1))))
                """, arguments: StatementArguments(names.isEmpty ? [""] : names))
            var doomed: [(String, String, Int64)] = []
            while let row = try rows.next() {
                let record = try Self.decodeRecord(row)
                if purgeable(record) { doomed.append((record.collection.rawValue, record.id, record.position)) }
            }
            var horizon = try Self.meta(db, "compacted_through")
            for (collection, id, position) in doomed {
                try db.execute(sql: "DELETE FROM records WHERE collection = ? AND id = ?", arguments: [collection, id])
                horizon = max(horizon, position)
            }
            try db.execute(sql: "UPDATE meta SET value = ? WHERE key = 'compacted_through'", arguments: [horizon])
            let report = CompactionReport(purged: doomed.count, compactedThrough: horizon)
            try Self.appendAudit(audit(report), db: db)
            return report
        }
    }

    package func updateRecord(
        _ key: RecordKey, audit: @escaping @Sendable (_ before: SyncRecord, _ after: SyncRecord) -> [AuditEntry],
        _ change: @escaping @Sendable (SyncRecord) throws -> SyncRecord
    ) async throws -> SyncRecord {
        let written = try await pool.write { db in
            guard let record = try Self.records(db, keys: [key])[key] else {
                throw SyncStoreError(.recordNotFound, key.description)
            }
            var updated = try change(record)
            let head = try Self.head(db) + 1
            updated.version = record.version + 1
            updated.position = head
            try Self.upsert(updated, position: head, db: db)
            try Self.setHead(head, db: db)
            try Self.appendAudit(audit(record, updated), db: db)
            return updated
        }
        logAdvances.publish(LogAdvance(records: [written]))
        return written
    }
}
