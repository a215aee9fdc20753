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
    /// A lost or refused connection (a node cut off, a primary gone, a standby not yet promoted) comes out as
    /// `SyncStoreError(.unavailable)`, which the edge answers with 503: the transaction did not commit, and
    /// the device retries.
    func transaction<Result>(_ body: (PostgresConnection) async throws -> sending Result) async throws -> sending Result {
        do {
            do {
                return try await client.withTransaction(logger: logger, body)
            } catch let error as PostgresTransactionError {
                throw error.closureError ?? error.beginError ?? error.rollbackError ?? error.commitError ?? error
            }
        } catch let error as PSQLError {
            throw Self.translate(error)
        }
    }

    /// A PostgreSQL error as the rest of the server sees it: `unavailable` for a lost or refused connection;
    /// a lost race as itself (`retryingRaces` runs the transaction again); anything else as `database`,
    /// naming the error code and SQLSTATE but never the statement or its values.
    static func translate(_ error: PSQLError) -> any Error {
        if isUnavailable(error) { return SyncStoreError(.unavailable, "PostgreSQL unavailable: \(error.code)") }
        if isRace(error) { return error }
        return SyncStoreError(.database, "PostgreSQL \(error.code), SQLSTATE \(error.serverInfo?[.sqlState] ?? "-")")
    }

    /// Runs `body` on a pooled connection outside a transaction (single reads), with the same mapping of a
    /// lost or refused connection to `SyncStoreError(.unavailable)` as `transaction`.
    func withConnection<Result>(_ body: (PostgresConnection) async throws -> sending Result) async throws -> sending Result {
        do {
            return try await client.withConnection(body)
        } catch let error as PSQLError {
            throw Self.translate(error)
        }
    }

    /// Connection-level failures, and a server that is shutting down, starting or read-only.
    static func isUnavailable(_ error: PSQLError) -> Bool {
        switch error.code {
        case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .poolClosed:
            return true
        case .server:
            // 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now, 25006 read_only_sql_transaction
            // (a standby), 57014 query_canceled (statement_timeout), 25P03 idle_in_transaction_session_timeout,
            // 53300 too_many_connections, 08xxx connection exceptions.
            let state = error.serverInfo?[.sqlState] ?? ""
            return ["57P01", "57P02", "57P03", "25006", "57014", "25P03", "53300"].contains(state) || state.hasPrefix("08")
        default:
            return false
        }
    }

    /// Whether a transaction lost a race it can simply run again: a deadlock, a serialization failure, or an
    /// insert of a record another writer created meanwhile.
    static func isRace(_ error: any Error) -> Bool {
        if error is CreateRace { return true }
        guard let error = error as? PSQLError, error.code == .server else { return false }
        return ["40P01", "40001", "23505"].contains(error.serverInfo?[.sqlState] ?? "")
    }

    /// Another writer created a record this push planned to create: the push runs again and now sees it.
    struct CreateRace: Error {}

    /// Runs `body` again (up to 5 times) when it lost a race; `body` must be a whole transaction.
    func retryingRaces<Result: Sendable>(_ body: () async throws -> Result) async throws -> Result {
        var attempt = 0
        while true {
            do {
                return try await body()
            } catch where Self.isRace(error) && attempt < 4 {
                attempt += 1
                try await Task.sleep(for: .milliseconds(Int.random(in: 1...(5 * attempt))))
            }
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

    /// The current states of `keys`. With `lock`, their rows stay locked until the transaction ends; rows are
    /// locked in (collection, id) order, the one order every writer uses, so two writers never deadlock.
    func records(_ connection: PostgresConnection, keys: Set<RecordKey>, lock: Bool = false) async throws
        -> [RecordKey: SyncRecord]
    {
        var result: [RecordKey: SyncRecord] = [:]
        let grouped = Dictionary(grouping: keys, by: \.collection)
        for collection in grouped.keys.sorted(by: { $0.rawValue < $1.rawValue }) {
            let ids = grouped[collection]!.map(\.id).sorted()
            let query: PostgresQuery = lock
                ? "SELECT * FROM records WHERE collection = \(collection.rawValue) AND id = ANY(\(ids)) ORDER BY id FOR UPDATE"
                : "SELECT * FROM records WHERE collection = \(collection.rawValue) AND id = ANY(\(ids))"
            for row in try await rows(query, on: connection) {
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

    /// Every record of `households` in the log up to `head` (a move-in delivers them whole).
    func householdRecords(_ connection: PostgresConnection, _ households: [String], head: Int64) async throws
        -> [PostgresRandomAccessRow]
    {
        guard !households.isEmpty else { return [] }
        return try await rows("""
            SELECT * FROM records WHERE household_id = ANY(\(households)) AND position <= \(head)
            """, on: connection)
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

    /// Writes a push's plan. `existing` are the records the snapshot held (and locked): they are replaced;
    /// the others are created, and if another writer created one meanwhile the push runs again (`CreateRace`).
    func write(_ plan: PushPlan, existing: Set<RecordKey>, deviceId: String, on connection: PostgresConnection) async throws {
        let replaced = plan.writes.filter { existing.contains(RecordKey($0.collection, $0.id)) }
        let created = plan.writes.filter { !existing.contains(RecordKey($0.collection, $0.id)) }
        try await upsert(replaced, mode: .replace, on: connection)
        let inserted = try await upsert(created, mode: .create, on: connection)
        if inserted < Set(created.map { RecordKey($0.collection, $0.id) }).count { throw CreateRace() }
        try await insertAudit(plan.audit, on: connection)
        if let (first, last, numbered) = try plan.numberedOutcomes() {
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
    }

    /// How `upsert` treats a record that already exists.
    enum UpsertMode {
        /// Replace it with the given state (the caller holds its row lock and computed the version).
        case replace
        /// Leave it alone: only new records are inserted (the count tells how many).
        case create
        /// Replace it at its stored version + 1 (admin imports and the seeder, which read nothing first).
        case nextRevision
    }

    /// Writes many records with one statement per thousand (column arrays through `UNNEST`), with no log
    /// position: the sequencer stamps them after commit. A push's records cost one round trip, not one
    /// each. Rows are written in (collection, id) order, the order every writer locks in. Absent scope keys
    /// travel as empty strings (never a valid id) and absent meta as empty bytes. Returns the rows written.
    @discardableResult
    func upsert(_ records: [SyncRecord], mode: UpsertMode, on connection: PostgresConnection) async throws -> Int {
        // One row per key, the last state written (ON CONFLICT may not touch a row twice in one statement).
        var latest: [RecordKey: Int] = [:]
        for (index, record) in records.enumerated() { latest[RecordKey(record.collection, record.id)] = index }
        let unique = latest.values.map { records[$0] }
            .sorted { ($0.collection.rawValue, $0.id) < ($1.collection.rawValue, $1.id) }
        let onConflict: String
        switch mode {
        case .replace, .nextRevision:
            onConflict = """
                ON CONFLICT (collection, id) DO UPDATE SET
                    revision = \(mode == .replace ? "EXCLUDED.revision" : "records.revision + 1"), position = NULL,
                    deleted = EXCLUDED.deleted, household_id = EXCLUDED.household_id,
                    village_code = EXCLUDED.village_code, helper_id = EXCLUDED.helper_id,
                    fields = EXCLUDED.fields, stamps = EXCLUDED.stamps, meta = EXCLUDED.meta
                """
        case .create:
            onConflict = "ON CONFLICT (collection, id) DO NOTHING"
        }
        var written = 0
        for start in stride(from: 0, to: unique.count, by: 1000) {
            let chunk = unique[start..<min(start + 1000, unique.count)]
            var binds = PostgresBindings()
            binds.append(chunk.map(\.collection.rawValue))
            binds.append(chunk.map(\.id))
            binds.append(chunk.map { mode == .nextRevision ? 1 : $0.version })
            binds.append(chunk.map(\.deleted))
            binds.append(chunk.map { $0.scope.householdId ?? "" })
            binds.append(chunk.map { $0.scope.villageCode ?? "" })
            binds.append(chunk.map { $0.scope.helperId ?? "" })
            binds.append(chunk.map { ByteBuffer(data: RecordCodec.encodeFields($0.fields)) })
            binds.append(chunk.map { ByteBuffer(data: RecordCodec.encodeStamps($0.stamps)) })
            binds.append(chunk.map { ByteBuffer(data: RecordCodec.encodeMeta($0) ?? Data()) })
            let rows = try await scalar(PostgresQuery(unsafeSQL: """
                WITH written AS (
                    INSERT INTO records (collection, id, revision, deleted, household_id, village_code, helper_id,
                                         fields, stamps, meta)
                    SELECT c, i, v, d, NULLIF(h, ''), NULLIF(g, ''), NULLIF(p, ''), f, s, NULLIF(m, ''::bytea)
                    FROM UNNEST($1::text[], $2::text[], $3::bigint[], $4::boolean[], $5::text[], $6::text[], $7::text[],
                                $8::bytea[], $9::bytea[], $10::bytea[]) AS u (c, i, v, d, h, g, p, f, s, m)
                    ORDER BY c, i
                    \(onConflict)
                    RETURNING 1)
                SELECT count(*) FROM written
                """, binds: binds), on: connection) ?? 0
            written += Int(rows)
        }
        return written
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
            collection: collection, id: try row["id"].decode(String.self), version: try row["revision"].decode(Int64.self),
            position: try row["position"].decode(Int64?.self) ?? 0,
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
