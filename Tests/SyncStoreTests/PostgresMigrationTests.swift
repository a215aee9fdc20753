import FieldDomain
import Foundation
import Logging
import PostgresNIO
import SyncModel
import SyncStore
@testable import SyncStorePostgres
import SyncTesting
import Testing

/// A PostgreSQL database written before revisions and log positions (migration v1 only), migrated by this
/// release: versions become revisions, positions keep the old log order, and new writes go on above both.
@Suite struct PostgresMigrationTests {
    @Test func recordsFromBeforeRevisionsKeepTheirVersionsAndTheLogGoesOn() async throws {
        try await PostgresTestDatabase.withDatabase { url in
            let store = try PostgresSyncStore(url: url, logger: Logger(label: "migration-test"))
            let pool = Task { try await store.run() }
            defer { pool.cancel() }
            let key = RecordKey(.households, "5223270010010001")
            let stamp = HLCTimestamp(physical: 1_795_000_000_000, logical: 0, node: "seed")
            var old = SyncRecord(collection: .households, id: key.id, version: 9,
                                 fields: ["address": "旧地址", "headName": "杨光明"],
                                 stamps: ["address": stamp, "headName": stamp],
                                 scope: RecordScope(householdId: key.id, villageCode: "522327001001"))
            old.fieldVersions = ["address": 5]
            // What the release before this one left: schema v1, one record at log version 9, head 9.
            try await store.client.withTransaction(logger: store.logger) { connection in
                try await connection.query("CREATE TABLE bangfu_migrations (name TEXT PRIMARY KEY)", logger: store.logger)
                for statement in PostgresMigrations.all[0].sql {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: store.logger)
                }
                try await connection.query("INSERT INTO bangfu_migrations (name) VALUES ('v1')", logger: store.logger)
                try await connection.query("""
                    INSERT INTO records (collection, id, version, deleted, household_id, village_code, fields, stamps, meta)
                    VALUES ('households', \(key.id), 9, FALSE, \(key.id), '522327001001',
                            \(RecordCodec.encodeFields(old.fields)), \(RecordCodec.encodeStamps(old.stamps)),
                            \(RecordCodec.encodeMeta(old)))
                    """, logger: store.logger)
                try await connection.query("UPDATE meta SET value = 9 WHERE key = 'head'", logger: store.logger)
            }
            try await store.migrate()
            let migrated = try #require(try await store.record(key))
            #expect(migrated.version == 9 && migrated.position == 9)
            #expect(migrated.fieldVersion("address") == 5 && migrated.fieldVersion("headName") == 9)
            #expect(try await store.headVersion() == 9)
            // The next write continues both numbers: the record's version and the log.
            var changed = migrated
            changed.fields["address"] = "新地址"
            try await store.importRecords([changed])
            let written = try #require(try await store.record(key))
            #expect(written.version == 10)
            #expect(written.position > 9)
            #expect(try await store.headVersion() == written.position)
        }
    }
}
