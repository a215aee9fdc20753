import Foundation
import NIOCore
import PostgresNIO
import SyncEngine
import SyncModel
import SyncStore

// The `AuditLog` port on PostgreSQL (protocol/audit.md §4). Writers on any node insert their entries with
// no place in the chain (seq NULL), inside the transaction of the write they record, so an entry commits
// with its write or not at all and no writer waits for a chain head. The sequencer tick, which runs one
// at a time under its advisory lock, chains what has committed: in `id` order, after the head row, in the
// same short transaction that stamps log positions. Reads see chained entries only.
extension PostgresSyncStore {
    package func appendAudit(_ entries: [AuditEntry]) async throws {
        guard !entries.isEmpty else { return }
        try await transaction { connection in try await insertAudit(entries, on: connection) }
        await sequenceAfterCommit()
    }

    package func auditHead() async throws -> AuditHead {
        try await withConnection { connection in try await auditHead(on: connection) }
    }

    package func auditRecords(after seq: Int64, limit: Int) async throws -> [AuditRecord] {
        try await withConnection { connection in
            try await rows("""
                SELECT seq, prev_hash, hash, body FROM audit_log WHERE seq > \(seq) ORDER BY seq LIMIT \(Int64(limit))
                """, on: connection).map(Self.auditRecord)
        }
    }

    package func auditRecords(of key: RecordKey, limit: Int) async throws -> [AuditRecord] {
        try await withConnection { connection in
            try await rows("""
                SELECT seq, prev_hash, hash, body FROM audit_log
                WHERE collection = \(key.collection.rawValue) AND record_id = \(key.id) AND seq IS NOT NULL
                ORDER BY seq LIMIT \(Int64(limit))
                """, on: connection).map(Self.auditRecord)
        }
    }

    /// Inserts entries unchained, in order, inside the caller's transaction: one statement for all.
    func insertAudit(_ entries: [AuditEntry], on connection: PostgresConnection) async throws {
        guard !entries.isEmpty else { return }
        var binds = PostgresBindings()
        binds.append(entries.map { $0.collection ?? "" })
        binds.append(entries.map { $0.recordId ?? "" })
        binds.append(entries.map { ByteBuffer(bytes: $0.body) })
        try await connection.query(PostgresQuery(unsafeSQL: """
            INSERT INTO audit_log (collection, record_id, body)
            SELECT NULLIF(c, ''), NULLIF(r, ''), b
            FROM UNNEST($1::text[], $2::text[], $3::bytea[]) WITH ORDINALITY AS u (c, r, b, n)
            ORDER BY n
            """, binds: binds), logger: logger)
    }

    /// Chains every committed unchained entry, in `id` order, after the head row; moves the head. Runs in
    /// the sequencer's transaction, under its lock, so chains never interleave. Returns how many it chained.
    @discardableResult
    func chainAudit(on connection: PostgresConnection) async throws -> Int {
        var head = try await auditHead(on: connection)
        var chained = 0
        while true {
            var ids: [Int64] = []
            var bodies: [[UInt8]] = []
            for try await (id, body) in try await connection.query("""
                SELECT id, body FROM audit_log WHERE seq IS NULL ORDER BY id LIMIT \(Int64(Self.auditChainBatch))
                """, logger: logger).decode((Int64, Data).self) {
                ids.append(id)
                bodies.append(Array(body))
            }
            guard !ids.isEmpty else { break }
            let (records, next) = AuditChain.link(bodies, after: head)
            try await connection.query("""
                UPDATE audit_log a SET seq = u.s, prev_hash = u.p, hash = u.h
                FROM UNNEST(\(ids)::bigint[], \(records.map(\.seq))::bigint[], \(records.map(\.prevHash))::text[],
                            \(records.map(\.hash))::text[]) AS u (i, s, p, h)
                WHERE a.id = u.i
                """, logger: logger)
            head = next
            chained += ids.count
            if ids.count < Self.auditChainBatch { break }
        }
        if chained > 0 {
            try await connection.query("UPDATE audit_head SET seq = \(head.seq), hash = \(head.hash) WHERE id = 1",
                                       logger: logger)
        }
        return chained
    }

    /// Entries chained per statement.
    static let auditChainBatch = 1000

    func auditHead(on connection: PostgresConnection) async throws -> AuditHead {
        for try await (seq, hash) in try await connection.query("SELECT seq, hash FROM audit_head WHERE id = 1",
                                                                logger: logger).decode((Int64, String).self) {
            return AuditHead(seq: seq, hash: hash)
        }
        return .empty
    }

    static func auditRecord(_ row: PostgresRandomAccessRow) throws -> AuditRecord {
        AuditRecord(seq: try row["seq"].decode(Int64.self), prevHash: try row["prev_hash"].decode(String.self),
                    hash: try row["hash"].decode(String.self), body: Array(try row["body"].decode(Data.self)))
    }
}
