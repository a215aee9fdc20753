import FieldDomain
import GRDB
import SyncEngine
import SyncStore

// Devices and enrolment codes (the `DeviceRegistry` port) on SQLite. Each write appends its audit entries
// inside its own transaction.
extension SQLiteSyncStore {
    package func insertDevice(_ device: DeviceRecord, audit: [AuditEntry]) async throws {
        try await pool.write { db in
            try Self.insert(device, db)
            try Self.appendAudit(audit, db: db)
        }
    }

    package func device(id: String) async throws -> DeviceRecord? {
        try await pool.read { db in try Self.device(id: id, db) }
    }

    package func insertEnrolmentCode(_ code: EnrolmentCode, audit: [AuditEntry]) async throws {
        try await pool.write { db in
            try db.execute(sql: """
                INSERT INTO enrolment_codes (code_hash, helper_id, role, region, label, created_by, created_at, expires_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [code.codeHash, code.helperId, code.role?.rawValue, code.region, code.label,
                                 code.createdBy, code.createdAt, code.expiresAt])
            try Self.appendAudit(audit, db: db)
        }
    }

    package func redeemEnrolmentCode(hash codeHash: String, at now: Int64,
                                     audit: @escaping @Sendable (_ enrolled: DeviceRecord) -> [AuditEntry],
                                     _ redeem: @escaping @Sendable (EnrolmentCode) throws -> DeviceRecord) async throws
        -> DeviceRecord
    {
        try await pool.write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM enrolment_codes WHERE code_hash = ?",
                                             arguments: [codeHash])
            else { throw SyncStoreError(.enrolmentCodeNotFound, "no such enrolment code") }
            let code = EnrolmentCode(
                codeHash: row["code_hash"], helperId: row["helper_id"],
                role: (row["role"] as String?).flatMap(AdminRole.init(rawValue:)), region: row["region"],
                label: row["label"], createdBy: row["created_by"], createdAt: row["created_at"],
                expiresAt: row["expires_at"], usedAt: row["used_at"], deviceId: row["device_id"])
            let device = try redeem(code)
            try Self.insert(device, db)
            try db.execute(sql: "UPDATE enrolment_codes SET used_at = ?, device_id = ? WHERE code_hash = ?",
                           arguments: [now, device.deviceId, codeHash])
            try Self.appendAudit(audit(device), db: db)
            return device
        }
    }

    package func updateDevice(id: String, audit: @escaping @Sendable (_ before: DeviceRecord, _ after: DeviceRecord) -> [AuditEntry],
                              _ change: @escaping @Sendable (DeviceRecord) throws -> DeviceRecord) async throws -> DeviceRecord
    {
        try await pool.write { db in
            guard let device = try Self.device(id: id, db) else {
                throw SyncStoreError(.deviceNotFound, "no such device")
            }
            let changed = try change(device)
            try db.execute(sql: """
                UPDATE devices SET token_hash = ?, expires_at = ?, refresh_hash = ?, refresh_expires_at = ?,
                                   revoked = ?, revoked_at = ?, refresh_previous_hash = ?
                WHERE device_id = ?
                """, arguments: [changed.tokenHash, changed.expiresAt, changed.refreshHash, changed.refreshExpiresAt,
                                 changed.revoked, changed.revokedAt, changed.previousRefreshHash, id])
            let written = try Self.device(id: id, db)!
            try Self.appendAudit(audit(device, written), db: db)
            return written
        }
    }

    static func insert(_ device: DeviceRecord, _ db: Database) throws {
        let helperExists = try Bool.fetchOne(db, sql: """
            SELECT EXISTS (SELECT 1 FROM records WHERE collection = 'helpers' AND id = ? AND deleted = 0)
            """, arguments: [device.helperId]) ?? false
        // An admin's phone belongs to an admin account, which the service has checked.
        guard helperExists || device.role != nil else { throw SyncStoreError(.unknownHelper, "no such helper") }
        let taken = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM devices WHERE device_id = ?)",
                                      arguments: [device.deviceId]) ?? false
        guard !taken else { throw SyncStoreError(.duplicateDevice, "device id taken") }
        try db.execute(sql: """
            INSERT INTO devices (device_id, helper_id, label, token_hash, created_at, expires_at, revoked, role, region,
                                 public_key, refresh_hash, refresh_expires_at, revoked_at, refresh_previous_hash)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [device.deviceId, device.helperId, device.label, device.tokenHash,
                             device.createdAt, device.expiresAt, device.revoked, device.role?.rawValue,
                             device.region, device.publicKey, device.refreshHash, device.refreshExpiresAt,
                             device.revokedAt, device.previousRefreshHash])
    }

    static func device(id: String, _ db: Database) throws -> DeviceRecord? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM devices WHERE device_id = ?", arguments: [id])
        else { return nil }
        return DeviceRecord(deviceId: row["device_id"], helperId: row["helper_id"], label: row["label"],
                            tokenHash: row["token_hash"], createdAt: row["created_at"],
                            expiresAt: row["expires_at"], revoked: row["revoked"],
                            role: (row["role"] as String?).flatMap(AdminRole.init(rawValue:)), region: row["region"],
                            publicKey: row["public_key"], refreshHash: row["refresh_hash"],
                            refreshExpiresAt: row["refresh_expires_at"], revokedAt: row["revoked_at"],
                            previousRefreshHash: row["refresh_previous_hash"])
    }
}
