import Foundation
import GRDB
import SyncModel

/// A ``LocalStore`` in a SQLite file through GRDB, in WAL mode (a `DatabasePool`): the store a phone keeps.
///
/// Each protocol method runs in one GRDB transaction, so a pull page, its cursor and the outbox trim commit
/// together, and so do an outbox append, its sequence number and the clock. Records and mutations are kept
/// as JSON text so that fields this app version does not know survive untouched.
public final class SQLiteLocalStore: LocalStore {
    private let pool: DatabasePool

    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    public init(path: String) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        pool = try DatabasePool(path: path, configuration: configuration)
        try Self.migrator.migrate(pool)
    }

    public func prepare(deviceId: String) async throws -> LocalSyncState {
        try await pool.write { db in
            if let existing = try Self.loadState(db) {
                guard existing.deviceId == deviceId else { throw LocalStoreError.deviceMismatch }
                return existing
            }
            let fresh = LocalSyncState(deviceId: deviceId)
            try Self.saveState(fresh, db)
            return fresh
        }
    }

    public func syncState() async throws -> LocalSyncState {
        try await pool.read { db in try Self.requireState(db) }
    }

    public func enqueue(_ write: LocalWrite, now: Int64) async throws -> Mutation {
        try await pool.write { db in
            var state = try Self.requireState(db)
            let version = try Int64.fetchOne(
                db, sql: "SELECT version FROM record WHERE collection = ? AND id = ?",
                arguments: [write.collection, write.recordId])
            let mutation = state.makeMutation(for: write, confirmedVersion: version, now: now)
            try db.execute(
                sql: "INSERT INTO outbox (seq, collection, recordId, body) VALUES (?, ?, ?, ?)",
                arguments: [mutation.seq, mutation.collection, mutation.recordId, try SyncJSON.encodeString(mutation)])
            try Self.saveState(state, db)
            return mutation
        }
    }

    public func pendingMutations(fromSeq: Int64, limit: Int) async throws -> [Mutation] {
        try await pool.read { db in
            let acknowledged = try Self.requireState(db).lastAppliedSeq
            return try Self.mutations(db, sql: "SELECT body FROM outbox WHERE seq >= ? ORDER BY seq LIMIT ?",
                                      arguments: [max(fromSeq, acknowledged + 1), limit])
        }
    }

    public func pendingCount() async throws -> Int {
        try await pool.read { db in
            let acknowledged = try Self.requireState(db).lastAppliedSeq
            return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox WHERE seq > ?", arguments: [acknowledged]) ?? 0
        }
    }

    @discardableResult
    public func acknowledge(upTo lastAppliedSeq: Int64, results: [MutationResult], now: Int64) async throws -> Int {
        try await pool.write { db in
            var state = try Self.requireState(db)
            var lookupError: (any Error)?
            let rejections = RejectedWrite.from(results, mutations: { seq in
                do {
                    return try Self.mutations(db, sql: "SELECT body FROM outbox WHERE seq = ?", arguments: [seq]).first
                } catch {
                    lookupError = error
                    return nil
                }
            }, now: now)
            if let lookupError { throw lookupError }
            var added = 0
            for rejection in rejections {
                try db.execute(
                    sql: """
                        INSERT OR IGNORE INTO rejected (seq, code, field, message, mutation, recordedAt)
                        VALUES (?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [rejection.seq, rejection.code.rawValue, rejection.field, rejection.message,
                                try rejection.mutation.map(SyncJSON.encodeString), rejection.recordedAt])
                added += db.changesCount
            }
            // Accepted writes stay in the outbox (no longer sent) and keep showing in the view until a pull
            // that has caught up brings their effect; rejected ones never apply, so they go now.
            for rejection in rejections {
                try db.execute(sql: "DELETE FROM outbox WHERE seq = ?", arguments: [rejection.seq])
            }
            state.acknowledge(upTo: lastAppliedSeq)
            try Self.saveState(state, db)
            return added
        }
    }

    public func applyPullPage(_ page: PullResponse, now: Int64) async throws {
        try await pool.write { db in
            var state = try Self.requireState(db)
            // A re-bootstrap stages its pages and swaps them in when the last one arrives.
            let table = state.resyncing ? "staged" : "record"
            for change in page.changes {
                if change.deleted || change.removed == true {
                    try db.execute(sql: "DELETE FROM \(table) WHERE collection = ? AND id = ?",
                                   arguments: [change.collection, change.recordId])
                } else {
                    try db.execute(
                        sql: """
                            INSERT INTO \(table) (collection, id, version, fields, stamps, conflicts) VALUES (?, ?, ?, ?, ?, ?)
                            ON CONFLICT (collection, id) DO UPDATE
                            SET version = excluded.version, fields = excluded.fields, stamps = excluded.stamps,
                                conflicts = excluded.conflicts
                            """,
                        arguments: [change.collection, change.recordId, change.version,
                                    try SyncJSON.encodeString(change.fields), try SyncJSON.encodeString(change.stamps),
                                    try change.openConflicts.map { try SyncJSON.encodeString($0) }])
                }
            }
            if state.resyncing && !page.hasMore {
                try db.execute(sql: """
                    DELETE FROM record;
                    INSERT INTO record (collection, id, version, fields, stamps, conflicts)
                        SELECT collection, id, version, fields, stamps, conflicts FROM staged;
                    DELETE FROM staged;
                    """)
                state.resyncing = false
            }
            state.absorb(page, now: now)
            if !page.hasMore {
                try db.execute(sql: "DELETE FROM outbox WHERE seq <= ?", arguments: [page.lastAppliedSeq])
            }
            try Self.saveState(state, db)
        }
    }

    public func beginResync() async throws {
        try await pool.write { db in
            var state = try Self.requireState(db)
            state.cursor = ""
            state.resyncing = true
            try db.execute(sql: "DELETE FROM staged")
            try Self.saveState(state, db)
        }
    }

    public func integrityRequest() async throws -> IntegrityRequest {
        try await pool.read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT collection, id, version, json_extract(fields, '$.householdId') AS household FROM record
                """)
            return IntegrityRequest.make(rows.map { row in
                (row["collection"] as String, row["id"] as String, row["version"] as Int64, row["household"] as String?)
            })
        }
    }

    public func saveCardTrust(_ body: [UInt8]) async throws {
        try await pool.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO cardTrust (singleton, body) VALUES (1, ?)", arguments: [Data(body)])
        }
    }

    public func savedCardTrust() async throws -> [UInt8]? {
        try await pool.read { db in
            try Data.fetchOne(db, sql: "SELECT body FROM cardTrust WHERE singleton = 1").map { Array($0) }
        }
    }

    public func wipe() async throws {
        try await pool.write { db in
            for table in ["record", "outbox", "rejected", "staged", "syncState", "cardTrust"] {
                try db.execute(sql: "DELETE FROM \(table)")
            }
        }
        // The freed pages are overwritten, not left readable in the file.
        try await pool.writeWithoutTransaction { db in try db.execute(sql: "VACUUM") }
    }

    public func purge(households: Set<String>) async throws {
        guard !households.isEmpty else { return }
        try await pool.write { db in
            let list = Array(households)
            let marks = databaseQuestionMarks(count: list.count)
            try db.execute(sql: "DELETE FROM record WHERE collection = 'households' AND id IN (\(marks))",
                           arguments: StatementArguments(list))
            try db.execute(sql: "DELETE FROM record WHERE json_extract(fields, '$.householdId') IN (\(marks))",
                           arguments: StatementArguments(list))
        }
    }

    public func snapshot(collection: String, recordId: String?) async throws -> LocalSnapshot {
        try await pool.read { db in
            let recordRows: [Row]
            let pending: [Mutation]
            if let recordId {
                recordRows = try Row.fetchAll(db, sql: "SELECT * FROM record WHERE collection = ? AND id = ?",
                                              arguments: [collection, recordId])
                pending = try Self.mutations(
                    db, sql: "SELECT body FROM outbox WHERE collection = ? AND recordId = ? ORDER BY seq",
                    arguments: [collection, recordId])
            } else {
                recordRows = try Row.fetchAll(db, sql: "SELECT * FROM record WHERE collection = ? ORDER BY id",
                                              arguments: [collection])
                pending = try Self.mutations(db, sql: "SELECT body FROM outbox WHERE collection = ? ORDER BY seq",
                                             arguments: [collection])
            }
            let confirmed = try recordRows.map { row in
                let conflicts: String? = row["conflicts"]
                return ConfirmedRecord(
                    collection: row["collection"], id: row["id"], version: row["version"],
                    fields: try SyncJSON.decode([String: JSONValue].self, from: row["fields"]),
                    stamps: try SyncJSON.decode([String: HLCTimestamp].self, from: row["stamps"]),
                    openConflicts: try conflicts.map { try SyncJSON.decode([ConflictMarker].self, from: $0) } ?? [])
            }
            return LocalSnapshot(confirmed: confirmed, pending: pending)
        }
    }

    public func rejectedWrites() async throws -> [RejectedWrite] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM rejected WHERE dismissed = 0 ORDER BY seq").map { row in
                let body: String? = row["mutation"]
                return RejectedWrite(seq: row["seq"], code: ErrorCode(row["code"] as String), field: row["field"],
                                     message: row["message"],
                                     mutation: try body.map { try SyncJSON.decode(Mutation.self, from: $0) },
                                     recordedAt: row["recordedAt"])
            }
        }
    }

    public func dismissRejectedWrite(seq: Int64) async throws {
        try await pool.write { db in
            try db.execute(sql: "UPDATE rejected SET dismissed = 1 WHERE seq = ?", arguments: [seq])
        }
    }
}

extension SQLiteLocalStore {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE syncState (
                    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
                    deviceId TEXT NOT NULL,
                    cursor TEXT NOT NULL,
                    nextSeq INTEGER NOT NULL,
                    lastAppliedSeq INTEGER NOT NULL,
                    lastStamp TEXT NOT NULL
                );
                CREATE TABLE record (
                    collection TEXT NOT NULL,
                    id TEXT NOT NULL,
                    version INTEGER NOT NULL,
                    fields TEXT NOT NULL,
                    stamps TEXT NOT NULL,
                    PRIMARY KEY (collection, id)
                ) WITHOUT ROWID;
                CREATE TABLE outbox (
                    seq INTEGER PRIMARY KEY,
                    collection TEXT NOT NULL,
                    recordId TEXT NOT NULL,
                    body TEXT NOT NULL
                );
                CREATE INDEX outboxByRecord ON outbox (collection, recordId);
                CREATE TABLE rejected (
                    seq INTEGER PRIMARY KEY,
                    code TEXT NOT NULL,
                    field TEXT,
                    message TEXT NOT NULL,
                    mutation TEXT,
                    recordedAt INTEGER NOT NULL,
                    dismissed INTEGER NOT NULL DEFAULT 0
                );
                """)
        }
        migrator.registerMigration("v2-conflicts") { db in
            // Open-conflict markers the server sends with a record (JSON array; NULL when none).
            try db.execute(sql: "ALTER TABLE record ADD COLUMN conflicts TEXT")
        }
        migrator.registerMigration("v3-resync") { db in
            // A re-bootstrap stages pulled pages here and swaps them into `record` in one transaction.
            try db.execute(sql: """
                ALTER TABLE syncState ADD COLUMN resyncing INTEGER NOT NULL DEFAULT 0;
                CREATE TABLE staged (
                    collection TEXT NOT NULL,
                    id TEXT NOT NULL,
                    version INTEGER NOT NULL,
                    fields TEXT NOT NULL,
                    stamps TEXT NOT NULL,
                    conflicts TEXT,
                    PRIMARY KEY (collection, id)
                ) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v4-card-trust") { db in
            // The 明白卡 keys and revocation lists last fetched, for offline checks (protocol/cards.md §3).
            try db.execute(sql: "CREATE TABLE cardTrust (singleton INTEGER PRIMARY KEY CHECK (singleton = 1), body BLOB NOT NULL)")
        }
        return migrator
    }

    static func loadState(_ db: Database) throws -> LocalSyncState? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM syncState WHERE singleton = 1") else { return nil }
        let stampText: String = row["lastStamp"]
        let stamp: HLCTimestamp
        if stampText.isEmpty {
            stamp = .zero
        } else {
            guard let parsed = HLCTimestamp(wireValue: stampText) else { throw LocalStoreError.corrupt("lastStamp") }
            stamp = parsed
        }
        return LocalSyncState(deviceId: row["deviceId"], cursor: row["cursor"], nextSeq: row["nextSeq"],
                              lastAppliedSeq: row["lastAppliedSeq"], lastStamp: stamp, resyncing: row["resyncing"])
    }

    static func requireState(_ db: Database) throws -> LocalSyncState {
        guard let state = try loadState(db) else { throw LocalStoreError.notPrepared }
        return state
    }

    static func saveState(_ state: LocalSyncState, _ db: Database) throws {
        // `.zero` has an empty node, which is not a valid wire stamp: store it as the empty string.
        let stamp = state.lastStamp == .zero || state.lastStamp.node.isEmpty ? "" : state.lastStamp.wireValue
        try db.execute(
            sql: """
                INSERT INTO syncState (singleton, deviceId, cursor, nextSeq, lastAppliedSeq, lastStamp, resyncing)
                VALUES (1, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (singleton) DO UPDATE SET deviceId = excluded.deviceId, cursor = excluded.cursor,
                    nextSeq = excluded.nextSeq, lastAppliedSeq = excluded.lastAppliedSeq,
                    lastStamp = excluded.lastStamp, resyncing = excluded.resyncing
                """,
            arguments: [state.deviceId, state.cursor, state.nextSeq, state.lastAppliedSeq, stamp, state.resyncing])
    }

    static func mutations(_ db: Database, sql: String, arguments: StatementArguments) throws -> [Mutation] {
        try String.fetchAll(db, sql: sql, arguments: arguments).map { try SyncJSON.decode(Mutation.self, from: $0) }
    }
}
