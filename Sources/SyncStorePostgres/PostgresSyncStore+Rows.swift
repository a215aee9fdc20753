import FieldDomain
import Foundation
import NIOCore
import PostgresNIO
import SyncEngine
import SyncModel
import SyncStore

// Row-level reads and writes shared by the store's transactions; each runs on the connection of a
// transaction the caller opened.
extension PostgresSyncStore {
    /// Runs `body` in a transaction; an error thrown by `body` comes out as itself (postgres-nio wraps it).
    func transaction<Result>(_ body: (PostgresConnection) async throws -> sending Result) async throws -> sending Result {
        do {
            return try await client.withTransaction(logger: logger, body)
        } catch let error as PostgresTransactionError {
            throw error.closureError ?? error
        }
    }

    func rows(_ query: PostgresQuery, on connection: PostgresConnection) async throws -> [PostgresRandomAccessRow] {
        var result: [PostgresRandomAccessRow] = []
        for try await row in try await connection.query(query, logger: logger) { result.append(row.makeRandomAccess()) }
        return result
    }

    /// The first column of the first row, as a number.
    func scalar(_ query: PostgresQuery, on connection: PostgresConnection) async throws -> Int64? {
        for try await value in try await connection.query(query, logger: logger).decode(Int64?.self) { return value }
        return nil
    }

    func meta(_ key: String, on connection: PostgresConnection) async throws -> Int64 {
        try await scalar("SELECT value FROM meta WHERE key = \(key)", on: connection) ?? 0
    }

    /// Locks the head row for the rest of the transaction and returns the head. Every write transaction
    /// takes this lock first, so versions commit in the order they are numbered.
    func lockHead(_ connection: PostgresConnection) async throws -> Int64 {
        try await scalar("SELECT value FROM meta WHERE key = 'head' FOR UPDATE", on: connection) ?? 0
    }

    func setHead(_ head: Int64, on connection: PostgresConnection) async throws {
        try await connection.query("UPDATE meta SET value = \(head) WHERE key = 'head'", logger: logger)
    }

    func records(_ connection: PostgresConnection, keys: Set<RecordKey>) async throws -> [RecordKey: SyncRecord] {
        var result: [RecordKey: SyncRecord] = [:]
        for (collection, keys) in Dictionary(grouping: keys, by: \.collection) {
            let ids = keys.map(\.id)
            for row in try await rows("""
                SELECT * FROM records WHERE collection = \(collection.rawValue) AND id = ANY(\(ids))
                """, on: connection) {
                let record = try Self.decodeRecord(row)
                result[RecordKey(record.collection, record.id)] = record
            }
        }
        return result
    }

    func outcomes(_ connection: PostgresConnection, deviceId: String, seqs: [Int64]) async throws -> [Int64: MutationResult] {
        guard let low = seqs.min(), let high = seqs.max() else { return [:] }
        let wanted = Set(seqs)
        var result: [Int64: MutationResult] = [:]
        for try await blob in try await connection.query("""
            SELECT results FROM outcomes WHERE device_id = \(deviceId) AND last_seq >= \(low) AND first_seq <= \(high)
            """, logger: logger).decode(Data.self) {
            for outcome in try OutcomeCodec.decode(blob) {
                if let seq = outcome.seq, wanted.contains(seq) { result[seq] = outcome }
            }
        }
        return result
    }

    /// The `assignments` records of `helperId` (current and ended, live and deleted): what `ScopeRules` needs.
    func assignments(_ connection: PostgresConnection, of helperId: String?) async throws -> [SyncRecord] {
        guard let helperId else { return [] }
        return try await rows("SELECT * FROM records WHERE helper_id = \(helperId) AND collection = 'assignments'",
                              on: connection).map(Self.decodeRecord)
    }

    /// Every record of `households`, any version (a move-in delivers them whole).
    func householdRecords(_ connection: PostgresConnection, _ households: [String]) async throws -> [PostgresRandomAccessRow] {
        guard !households.isEmpty else { return [] }
        return try await rows("SELECT * FROM records WHERE household_id = ANY(\(households))", on: connection)
    }

    /// The keys of every record of `households` (a move-out removes them).
    func householdKeys(_ connection: PostgresConnection, _ households: [String]) async throws
        -> [(key: RecordKey, householdId: String)]
    {
        guard !households.isEmpty else { return [] }
        var keys: [(key: RecordKey, householdId: String)] = []
        for try await (collection, id, household) in try await connection.query("""
            SELECT collection, id, household_id FROM records WHERE household_id = ANY(\(households))
            """, logger: logger).decode((String, String, String).self) {
            if let collection = CollectionName(rawValue: collection) { keys.append((RecordKey(collection, id), household)) }
        }
        return keys
    }

    /// `Scope` (plain data) as an SQL condition on the scope columns, its values appended to `binds`. A
    /// translation of the data, not a rule: `Scope.contains` states the same membership.
    static func scopeClause(_ scope: Scope, binds: inout PostgresBindings) -> String {
        if scope.isEverything { return "TRUE" }
        var clauses: [String] = []
        if !scope.households.isEmpty {
            binds.append(scope.households.keys.sorted())
            clauses.append("household_id = ANY($\(binds.count))")
        }
        if let owner = scope.owner {
            binds.append(owner)
            clauses.append("(household_id IS NULL AND helper_id = $\(binds.count))")
        }
        for prefix in scope.regionPrefixes {
            // Region codes are digits and the column sorts bytewise ("C"), so a range is a prefix match.
            binds.append(prefix)
            binds.append(prefix + ":")
            clauses.append("(village_code >= $\(binds.count - 1) AND village_code < $\(binds.count))")
        }
        return clauses.isEmpty ? "FALSE" : clauses.joined(separator: " OR ")
    }

    func write(_ plan: PushPlan, deviceId: String, on connection: PostgresConnection) async throws {
        try await upsert(plan.writes, on: connection)
        let numbered = plan.newOutcomes.filter { $0.seq != nil }
        if let first = numbered.first?.seq, let last = numbered.last?.seq {
            // The planner processes numbers in order without gaps, so one push's new outcomes are first...last.
            guard last - first + 1 == Int64(numbered.count) else {
                throw SyncStoreError(.corruptRecord, "a push's new outcomes are not consecutive")
            }
            try await connection.query("""
                INSERT INTO outcomes (device_id, first_seq, last_seq, results)
                VALUES (\(deviceId), \(first), \(last), \(OutcomeCodec.encode(numbered)))
                """, logger: logger)
        }
        for rejection in plan.rejections {
            try await connection.query("""
                INSERT INTO rejections (device_id, seq, code, field, message, mutation, at)
                VALUES (\(rejection.deviceId), \(rejection.seq), \(rejection.code.rawValue), \(rejection.field),
                        \(rejection.message), \(RecordCodec.encode(rejection.mutation)), \(rejection.at))
                """, logger: logger)
        }
        for conflict in plan.conflicts { try await insert(conflict, on: connection) }
        try await connection.query("UPDATE devices SET last_applied_seq = \(plan.lastAppliedSeq) WHERE device_id = \(deviceId)",
                                   logger: logger)
        try await setHead(plan.headVersion, on: connection)
    }

    /// Writes many records with one statement per thousand (column arrays through `UNNEST`): a push's
    /// records cost one round trip, not one each, while the transaction holds the head lock. Absent scope
    /// keys travel as empty strings (never a valid id) and absent meta as empty bytes.
    func upsert(_ records: [SyncRecord], on connection: PostgresConnection) async throws {
        // One row per key, the last state written (ON CONFLICT may not touch a row twice in one statement).
        var latest: [RecordKey: Int] = [:]
        for (index, record) in records.enumerated() { latest[RecordKey(record.collection, record.id)] = index }
        let unique = latest.values.sorted().map { records[$0] }
        for start in stride(from: 0, to: unique.count, by: 1000) {
            let chunk = unique[start..<min(start + 1000, unique.count)]
            var binds = PostgresBindings()
            binds.append(chunk.map(\.collection.rawValue))
            binds.append(chunk.map(\.id))
            binds.append(chunk.map(\.version))
            binds.append(chunk.map(\.deleted))
            binds.append(chunk.map { $0.scope.householdId ?? "" })
            binds.append(chunk.map { $0.scope.villageCode ?? "" })
            binds.append(chunk.map { $0.scope.helperId ?? "" })
            binds.append(chunk.map { ByteBuffer(data: RecordCodec.encodeFields($0.fields)) })
            binds.append(chunk.map { ByteBuffer(data: RecordCodec.encodeStamps($0.stamps)) })
            binds.append(chunk.map { ByteBuffer(data: RecordCodec.encodeMeta($0) ?? Data()) })
            try await connection.query(PostgresQuery(unsafeSQL: """
                INSERT INTO records (collection, id, version, deleted, household_id, village_code, helper_id, fields, stamps, meta)
                SELECT c, i, v, d, NULLIF(h, ''), NULLIF(g, ''), NULLIF(p, ''), f, s, NULLIF(m, ''::bytea)
                FROM UNNEST($1::text[], $2::text[], $3::bigint[], $4::boolean[], $5::text[], $6::text[], $7::text[],
                            $8::bytea[], $9::bytea[], $10::bytea[]) AS u (c, i, v, d, h, g, p, f, s, m)
                ON CONFLICT (collection, id) DO UPDATE SET
                    version = EXCLUDED.version, deleted = EXCLUDED.deleted, household_id = EXCLUDED.household_id,
                    village_code = EXCLUDED.village_code, helper_id = EXCLUDED.helper_id,
                    fields = EXCLUDED.fields, stamps = EXCLUDED.stamps, meta = EXCLUDED.meta
                """, binds: binds), logger: logger)
        }
    }

    func upsert(_ record: SyncRecord, on connection: PostgresConnection) async throws {
        try await upsert([record], on: connection)
    }

    func insert(_ conflict: Conflict, on connection: PostgresConnection) async throws {
        try await connection.query("""
            INSERT INTO conflicts (id, kind, status, collection, record_id, village_code, body)
            VALUES (\(conflict.id), \(conflict.kind.rawValue), \(conflict.status.rawValue),
                    \(conflict.collection.rawValue), \(conflict.recordId), \(conflict.villageCode),
                    \(try RecordCodec.encodeConflict(conflict)))
            """, logger: logger)
    }

    static func decodeRecord(_ row: PostgresRandomAccessRow) throws -> SyncRecord {
        guard let collection = CollectionName(rawValue: try row["collection"].decode(String.self)) else {
            throw SyncStoreError(.corruptRecord, "unknown collection in store")
        }
        var record = SyncRecord(
            collection: collection, id: try row["id"].decode(String.self), version: try row["version"].decode(Int64.self),
            deleted: try row["deleted"].decode(Bool.self),
            fields: try RecordCodec.decodeFields(row["fields"].decode(Data.self)),
            stamps: try RecordCodec.decodeStamps(row["stamps"].decode(Data.self)),
            scope: RecordScope(householdId: try row["household_id"].decode(String?.self),
                               villageCode: try row["village_code"].decode(String?.self),
                               helperId: try row["helper_id"].decode(String?.self)))
        try RecordCodec.decodeMeta(try row["meta"].decode(Data?.self), into: &record)
        return record
    }

    /// A row decoded, with its size on the wire measured from the stored bytes.
    static func sized(_ row: PostgresRandomAccessRow) throws -> PullAssembler.Sized {
        let record = try decodeRecord(row)
        let size = RecordCodec.wireSize(fieldsBytes: try row["fields"].decode(Data.self).count,
                                        stampsBytes: try row["stamps"].decode(Data.self).count,
                                        collection: record.collection.rawValue, id: record.id)
        return (record, size)
    }
}
