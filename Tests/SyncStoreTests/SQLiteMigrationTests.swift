import FieldDomain
import Foundation
import GRDB
@testable import SyncStoreSQLite
import SyncEngine
import SyncModel
import SyncStore
import Testing

/// Databases written by earlier releases, migrated by this one.
@Suite struct SQLiteMigrationTests {
    /// A member conflict stored before v3 had no village anywhere; after migrating, both the column and
    /// the stored conflict carry it, so a region admin's checks (which read the conflict) pass.
    @Test func memberConflictsFromBeforeScopesCarryTheirVillage() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bangfu-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("old.sqlite").path
        do {
            let pool = try DatabasePool(path: path)
            try SQLiteMigrations.migrator.migrate(pool, upTo: "v2-conflicts")
            let conflict = Conflict(
                id: "c-old", kind: .hard, status: .open, collection: .members, recordId: "5223271012010003-02",
                field: "idNumber", fields: ["idNumber"], householdId: "5223271012010003", villageCode: nil,
                baseVersion: 3, existing: .init(deviceId: "dev-a", value: "a"), incoming: .init(deviceId: "dev-b", value: "b"),
                provisional: .incoming, openedAt: 1, openedVersion: 4)
            try await pool.write { db in
                try db.execute(sql: """
                    INSERT INTO conflicts (id, kind, status, collection, record_id, village_code, body)
                    VALUES ('c-old', 'hard', 'open', 'members', '5223271012010003-02', NULL, ?)
                    """, arguments: [try RecordCodec.encodeConflict(conflict)])
            }
        }
        let store = try SQLiteSyncStore(path: path)
        try await store.migrate()
        let migrated = try #require(try await store.conflict(id: "c-old"))
        #expect(migrated.villageCode == "522327101201")
        #expect(try await store.conflicts(ConflictQuery(status: .open, regionPrefix: "522327101201")).map(\.id) == ["c-old"])
    }
}
