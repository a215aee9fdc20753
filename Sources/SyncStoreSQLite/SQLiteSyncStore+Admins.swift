import FieldDomain
import Foundation
import GRDB
import SyncEngine
import SyncModel
import SyncStore

// The `AdminDirectory` port on SQLite.
extension SQLiteSyncStore {
    package func insertAdmin(_ account: AdminAccount, audit: [AuditEntry]) async throws {
        try await pool.write { db in
            let taken = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM admins WHERE id = ?)",
                                          arguments: [account.id]) ?? false
            guard !taken else { throw SyncStoreError(.duplicateAdmin, "admin id taken") }
            try db.execute(sql: """
                INSERT INTO admins (id, name, role, region, token_hash, created_at, disabled) VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [account.id, account.name, account.role.rawValue, account.region, account.tokenHash,
                                 account.createdAt, account.disabled])
            try Self.appendAudit(audit, db: db)
        }
    }

    package func admin(id: String) async throws -> AdminAccount? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM admins WHERE id = ?", arguments: [id]).map(Self.admin)
        }
    }

    package func admins() async throws -> [AdminAccount] {
        try await pool.read { db in try Row.fetchAll(db, sql: "SELECT * FROM admins ORDER BY id").map(Self.admin) }
    }

    package func setAdminDisabled(id: String, _ disabled: Bool, audit: [AuditEntry]) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "UPDATE admins SET disabled = ? WHERE id = ?", arguments: [disabled, id])
            guard db.changesCount > 0 else { return false }
            try Self.appendAudit(audit, db: db)
            return true
        }
    }

    package func helperIds(inRegion regionPrefix: String) async throws -> Set<String> {
        try await pool.read { db in
            Set(try String.fetchAll(db, sql: """
                SELECT DISTINCT helper_id FROM records
                WHERE collection = 'assignments' AND deleted = 0 AND helper_id IS NOT NULL
                  AND village_code >= ? AND village_code < ?
                """, arguments: [regionPrefix, regionPrefix + ":"]))
        }
    }

    package func householdsAssigned(to helperId: String) async throws -> Set<String> {
        try await pool.read { db in
            Set(try String.fetchAll(db, sql: """
                SELECT household_id FROM records
                WHERE collection = 'assignments' AND deleted = 0 AND helper_id = ? AND household_id IS NOT NULL
                """, arguments: [helperId]))
        }
    }

    package func helpersAssigned(to households: Set<String>) async throws -> [String: Set<String>] {
        try await pool.read { db in
            // One JSON array argument, however many households (no bound-variable limit).
            let ids = String(decoding: JSONWriter.bytes(.array(households.sorted().map { .string($0) })), as: UTF8.self)
            var helpers: [String: Set<String>] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT household_id, helper_id FROM records
                WHERE collection = 'assignments' AND deleted = 0 AND helper_id IS NOT NULL
                  AND household_id IN (SELECT value FROM json_each(?))
                """, arguments: [ids]) {
                helpers[row["household_id"], default: []].insert(row["helper_id"])
            }
            return helpers
        }
    }

    private static func admin(_ row: Row) throws -> AdminAccount {
        guard let role = AdminRole(rawValue: row["role"]) else {
            throw SyncStoreError(.corruptRecord, "unknown admin role in store")
        }
        return AdminAccount(id: row["id"], name: row["name"], role: role, region: row["region"],
                            tokenHash: row["token_hash"], createdAt: row["created_at"], disabled: row["disabled"])
    }
}
