import Foundation
import GRDB
import FieldDomain
import SyncEngine
import SyncModel
import SyncStore

// Row-level reads and writes shared by the store's transactions. All run inside a transaction the caller
// opened; none opens its own.
extension SQLiteSyncStore {
    static func head(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT value FROM meta WHERE key = 'head'")) ?? 0
    }

    static func meta(_ db: Database, _ key: String) throws -> Int64 {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT value FROM meta WHERE key = ?"), arguments: [key]) ?? 0
    }

    /// Keys are read in chunks of this many with one cached statement (a statement per distinct key count
    /// would grow the statement cache without bound).
    static let keyChunk = 50

    static func records(_ db: Database, keys: Set<RecordKey>) throws -> [RecordKey: SyncRecord] {
        var result: [RecordKey: SyncRecord] = [:]
        let byCollection = Dictionary(grouping: keys, by: \.collection)
        let statement = try db.cachedStatement(
            sql: "SELECT * FROM records WHERE collection = ? AND id IN (\(databaseQuestionMarks(count: keyChunk)))")
        for (collection, keys) in byCollection {
            let ids = keys.map(\.id)
            for start in stride(from: 0, to: ids.count, by: keyChunk) {
                var chunk = Array(ids[start..<min(start + keyChunk, ids.count)])
                // Pad with a repeat of the first id: it matches the same row, so nothing changes.
                chunk += Array(repeating: chunk[0], count: keyChunk - chunk.count)
                for row in try Row.fetchAll(statement, arguments: StatementArguments([collection.rawValue] + chunk)) {
                    let record = try decodeRecord(row)
                    result[RecordKey(record.collection, record.id)] = record
                }
            }
        }
        return result
    }

    static func outcomes(_ db: Database, deviceId: String, seqs: [Int64]) throws -> [Int64: MutationResult] {
        guard let low = seqs.min(), let high = seqs.max() else { return [:] }
        let wanted = Set(seqs)
        let blobs = try Data.fetchAll(
            db.cachedStatement(sql: "SELECT results FROM outcomes WHERE device_id = ? AND last_seq >= ? AND first_seq <= ?"),
            arguments: [deviceId, low, high])
        var result: [Int64: MutationResult] = [:]
        for blob in blobs {
            for outcome in try OutcomeCodec.decode(blob) {
                if let seq = outcome.seq, wanted.contains(seq) { result[seq] = outcome }
            }
        }
        return result
    }

    /// The `assignments` records of `helperId` (current and ended, live and deleted): what `ScopeRules` needs.
    static func assignments(_ db: Database, of helperId: String?) throws -> [SyncRecord] {
        guard let helperId else { return [] }
        return try Row.fetchAll(
            db.cachedStatement(sql: "SELECT * FROM records WHERE helper_id = ? AND collection = 'assignments'"),
            arguments: [helperId]).map(decodeRecord)
    }

    /// Every record of `households`, at any position (a move-in delivers them whole).
    static func householdRecords(_ db: Database, _ households: [String]) throws -> [Row] {
        guard !households.isEmpty else { return [] }
        return try Row.fetchAll(
            db, sql: "SELECT * FROM records WHERE household_id IN (\(databaseQuestionMarks(count: households.count)))",
            arguments: StatementArguments(households))
    }

    /// The keys of every record of `households` (a move-out removes them).
    static func householdKeys(_ db: Database, _ households: [String]) throws -> [(key: RecordKey, householdId: String)] {
        guard !households.isEmpty else { return [] }
        return try Row.fetchAll(
            db, sql: """
                SELECT collection, id, household_id FROM records
                WHERE household_id IN (\(databaseQuestionMarks(count: households.count)))
                """,
            arguments: StatementArguments(households)
        ).compactMap { row in
            guard let collection = CollectionName(rawValue: row["collection"]) else { return nil }
            return (RecordKey(collection, row["id"]), row["household_id"])
        }
    }

    /// A row decoded, with its size on the wire measured from the stored bytes.
    static func sized(_ row: Row) throws -> PullAssembler.Sized {
        let fields: Data = row["fields"]
        let stamps: Data = row["stamps"]
        let size = RecordCodec.wireSize(fieldsBytes: fields.count, stampsBytes: stamps.count,
                                        collection: row["collection"], id: row["id"])
        return (try decodeRecord(row), size)
    }

    /// `Scope` (plain data) as an SQL condition on the scope columns. This is a translation of the data,
    /// not a rule: `Scope.contains` states the same membership.
    static func scopeClause(_ scope: Scope) -> (String, [any DatabaseValueConvertible]) {
        if scope.isEverything { return ("1", []) }
        var clauses: [String] = []
        var arguments: [any DatabaseValueConvertible] = []
        if !scope.households.isEmpty {
            clauses.append("household_id IN (\(databaseQuestionMarks(count: scope.households.count)))")
            arguments += scope.households.keys.sorted()
        }
        if let owner = scope.owner {
            clauses.append("(household_id IS NULL AND helper_id = ?)")
            arguments.append(owner)
        }
        for prefix in scope.regionPrefixes {
            // Region codes are digits, so a range scan is a prefix match (':' sorts right after '9').
            clauses.append("(village_code >= ? AND village_code < ?)")
            arguments += [prefix, prefix + ":"]
        }
        return (clauses.isEmpty ? "0" : clauses.joined(separator: " OR "), arguments)
    }

    static func write(_ plan: PushPlan, deviceId: String, db: Database) throws {
        var head = try head(db)
        for record in plan.writes {
            head += 1
            try upsert(record, position: head, db: db)
        }
        try appendAudit(plan.audit, db: db)
        // Cached statements: a push runs the same few statements dozens of times, and preparing each one
        // again (parse + authorizer) cost more than executing it.
        if let (first, last, numbered) = try plan.numberedOutcomes() {
            try db.cachedStatement(sql: "INSERT INTO outcomes (device_id, first_seq, last_seq, results) VALUES (?, ?, ?, ?)")
                .execute(arguments: [deviceId, first, last, OutcomeCodec.encode(numbered)])
        }
        for rejection in plan.rejections {
            try db.execute(sql: """
                INSERT INTO rejections (device_id, seq, code, field, message, mutation, at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [rejection.deviceId, rejection.seq, rejection.code.rawValue, rejection.field,
                                 rejection.message, RecordCodec.encode(rejection.mutation), rejection.at])
        }
        for conflict in plan.conflicts { try insert(conflict, db: db) }
        try db.cachedStatement(sql: "UPDATE devices SET last_applied_seq = ? WHERE device_id = ?")
            .execute(arguments: [plan.lastAppliedSeq, deviceId])
        try setHead(head, db: db)
    }

    static func setHead(_ head: Int64, db: Database) throws {
        try db.cachedStatement(sql: "UPDATE meta SET value = ? WHERE key = 'head'").execute(arguments: [head])
    }

    /// Writes `record` at log `position`. With one writer, positions handed out inside the write transaction
    /// are in commit order.
    static func upsert(_ record: SyncRecord, position: Int64, db: Database) throws {
        try db.cachedStatement(sql: """
            INSERT INTO records (collection, id, revision, position, deleted, household_id, village_code, helper_id,
                                 fields, stamps, meta)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (collection, id) DO UPDATE SET
                revision = excluded.revision, position = excluded.position, deleted = excluded.deleted,
                household_id = excluded.household_id, village_code = excluded.village_code,
                helper_id = excluded.helper_id, fields = excluded.fields, stamps = excluded.stamps, meta = excluded.meta
            """).execute(arguments: [record.collection.rawValue, record.id, record.version, position, record.deleted,
                             record.scope.householdId, record.scope.villageCode, record.scope.helperId,
                             RecordCodec.encodeFields(record.fields), RecordCodec.encodeStamps(record.stamps),
                             RecordCodec.encodeMeta(record)])
    }

    static func decodeRecord(_ row: Row) throws -> SyncRecord {
        let rawCollection: String = row["collection"]
        guard let collection = CollectionName(rawValue: rawCollection) else {
            throw SyncStoreError(.corruptRecord, "unknown collection in store")
        }
        var record = SyncRecord(
            collection: collection, id: row["id"], version: row["revision"], position: row["position"],
            deleted: row["deleted"],
            fields: try RecordCodec.decodeFields(row["fields"]), stamps: try RecordCodec.decodeStamps(row["stamps"]),
            scope: RecordScope(householdId: row["household_id"], villageCode: row["village_code"],
                               helperId: row["helper_id"]))
        try RecordCodec.decodeMeta(row["meta"], into: &record)
        return record
    }

    static func insert(_ conflict: Conflict, db: Database) throws {
        try db.cachedStatement(sql: """
            INSERT INTO conflicts (id, kind, status, collection, record_id, village_code, body)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [conflict.id, conflict.kind.rawValue, conflict.status.rawValue,
                             conflict.collection.rawValue, conflict.recordId, conflict.villageCode,
                             try RecordCodec.encodeConflict(conflict)])
    }
}
