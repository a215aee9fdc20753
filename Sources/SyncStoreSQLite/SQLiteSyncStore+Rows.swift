import Foundation
import GRDB
import SyncEngine
import SyncModel
import SyncStore

// Row-level reads and writes shared by the store's transactions. All run inside a transaction the caller
// opened; none opens its own.
extension SQLiteSyncStore {
    static func head(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT value FROM meta WHERE key = 'head'")) ?? 0
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

    static func deviceScope(_ db: Database, helperId: String) throws -> DeviceScope {
        let households = try String.fetchAll(db.cachedStatement(sql: """
            SELECT household_id FROM records
            WHERE collection = 'assignments' AND deleted = 0 AND helper_id = ? AND household_id IS NOT NULL
            """), arguments: [helperId])
        let villages = try String.fetchAll(db.cachedStatement(sql: """
            SELECT DISTINCT h.village_code FROM records a
            JOIN records h ON h.collection = 'households' AND h.id = a.household_id
            WHERE a.collection = 'assignments' AND a.deleted = 0 AND a.helper_id = ? AND h.village_code IS NOT NULL
            """), arguments: [helperId])
        return DeviceScope(households: Set(households), villages: Set(villages))
    }

    static func write(_ plan: PushPlan, deviceId: String, db: Database) throws {
        for record in plan.writes { try upsert(record, db: db) }
        // Cached statements: a push runs the same few statements dozens of times, and preparing each one
        // again (parse + authorizer) cost more than executing it.
        let numbered = plan.newOutcomes.filter { $0.seq != nil }
        if let first = numbered.first?.seq, let last = numbered.last?.seq {
            // The planner processes numbers in order without gaps, so one push's new outcomes are first...last.
            guard last - first + 1 == Int64(numbered.count) else {
                throw SyncStoreError(.corruptRecord, "a push's new outcomes are not consecutive")
            }
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
        try db.cachedStatement(sql: "UPDATE meta SET value = ? WHERE key = 'head'").execute(arguments: [plan.headVersion])
    }

    static func upsert(_ record: SyncRecord, db: Database) throws {
        try db.cachedStatement(sql: """
            INSERT INTO records (collection, id, version, deleted, household_id, village_code, helper_id, fields, stamps, meta)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (collection, id) DO UPDATE SET
                version = excluded.version, deleted = excluded.deleted, household_id = excluded.household_id,
                village_code = excluded.village_code, helper_id = excluded.helper_id,
                fields = excluded.fields, stamps = excluded.stamps, meta = excluded.meta
            """).execute(arguments: [record.collection.rawValue, record.id, record.version, record.deleted,
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
            collection: collection, id: row["id"], version: row["version"], deleted: row["deleted"],
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
