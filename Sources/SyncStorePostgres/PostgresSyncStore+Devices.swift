import FieldDomain
import PostgresNIO
import SyncEngine
import SyncStore

// Devices and enrolment codes (the `DeviceRegistry` port) on PostgreSQL. A code's row and a device's row
// are locked (`FOR UPDATE`) for the read-decide-write, so two nodes redeeming one code, or refreshing one
// device, run one after the other. Audit entries are inserted unchained in the same transaction and
// chained by the sequencer tick that follows the commit (PostgresSyncStore+Audit.swift).
extension PostgresSyncStore {
    package func insertDevice(_ device: DeviceRecord, audit: [AuditEntry]) async throws {
        try await transaction { connection in
            try await self.insert(device, on: connection)
            try await self.insertAudit(audit, on: connection)
        }
        if !audit.isEmpty { await sequenceAfterCommit() }
    }

    package func device(id: String) async throws -> DeviceRecord? {
        try await withConnection { connection in try await self.device(id: id, on: connection, lock: false) }
    }

    package func insertEnrolmentCode(_ code: EnrolmentCode, audit: [AuditEntry]) async throws {
        try await transaction { connection in
            try await connection.query("""
                INSERT INTO enrolment_codes (code_hash, helper_id, role, region, label, created_by, created_at, expires_at)
                VALUES (\(code.codeHash), \(code.helperId), \(code.role?.rawValue), \(code.region), \(code.label),
                        \(code.createdBy), \(code.createdAt), \(code.expiresAt))
                """, logger: self.logger)
            try await self.insertAudit(audit, on: connection)
        }
        if !audit.isEmpty { await sequenceAfterCommit() }
    }

    package func redeemEnrolmentCode(hash codeHash: String, at now: Int64,
                                     audit: @escaping @Sendable (_ enrolled: DeviceRecord) -> [AuditEntry],
                                     _ redeem: @escaping @Sendable (EnrolmentCode) throws -> DeviceRecord) async throws
        -> DeviceRecord
    {
        let (device, audited) = try await transaction { connection in
            guard let row = try await self.rows(
                "SELECT * FROM enrolment_codes WHERE code_hash = \(codeHash) FOR UPDATE", on: connection).first
            else { throw SyncStoreError(.enrolmentCodeNotFound, "no such enrolment code") }
            let code = EnrolmentCode(
                codeHash: try row["code_hash"].decode(String.self), helperId: try row["helper_id"].decode(String.self),
                role: try row["role"].decode(String?.self).flatMap(AdminRole.init(rawValue:)),
                region: try row["region"].decode(String?.self), label: try row["label"].decode(String?.self),
                createdBy: try row["created_by"].decode(String.self), createdAt: try row["created_at"].decode(Int64.self),
                expiresAt: try row["expires_at"].decode(Int64.self), usedAt: try row["used_at"].decode(Int64?.self),
                deviceId: try row["device_id"].decode(String?.self))
            let device = try redeem(code)
            try await self.insert(device, on: connection)
            try await connection.query("""
                UPDATE enrolment_codes SET used_at = \(now), device_id = \(device.deviceId) WHERE code_hash = \(codeHash)
                """, logger: self.logger)
            let entries = audit(device)
            try await self.insertAudit(entries, on: connection)
            return (device, !entries.isEmpty)
        }
        if audited { await sequenceAfterCommit() }
        return device
    }

    package func updateDevice(id: String, audit: @escaping @Sendable (_ before: DeviceRecord, _ after: DeviceRecord) -> [AuditEntry],
                              _ change: @escaping @Sendable (DeviceRecord) throws -> DeviceRecord) async throws -> DeviceRecord
    {
        let (written, audited) = try await transaction { connection in
            guard let device = try await self.device(id: id, on: connection, lock: true) else {
                throw SyncStoreError(.deviceNotFound, "no such device")
            }
            let changed = try change(device)
            try await connection.query("""
                UPDATE devices SET token_hash = \(changed.tokenHash), expires_at = \(changed.expiresAt),
                                   refresh_hash = \(changed.refreshHash), refresh_expires_at = \(changed.refreshExpiresAt),
                                   revoked = \(changed.revoked), revoked_at = \(changed.revokedAt),
                                   refresh_previous_hash = \(changed.previousRefreshHash)
                WHERE device_id = \(id)
                """, logger: self.logger)
            let written = try await self.device(id: id, on: connection, lock: false)!
            let entries = audit(device, written)
            try await self.insertAudit(entries, on: connection)
            return (written, !entries.isEmpty)
        }
        if audited { await sequenceAfterCommit() }
        return written
    }

    func insert(_ device: DeviceRecord, on connection: PostgresConnection) async throws {
        let helperExists = try await scalar("""
            SELECT COUNT(*) FROM records WHERE collection = 'helpers' AND id = \(device.helperId) AND deleted = FALSE
            """, on: connection) ?? 0 > 0
        // An admin's phone belongs to an admin account, which the service has checked.
        guard helperExists || device.role != nil else { throw SyncStoreError(.unknownHelper, "no such helper") }
        let inserted = try await rows("""
            INSERT INTO devices (device_id, helper_id, label, token_hash, created_at, expires_at, revoked, role, region,
                                 public_key, refresh_hash, refresh_expires_at, revoked_at, refresh_previous_hash)
            VALUES (\(device.deviceId), \(device.helperId), \(device.label), \(device.tokenHash), \(device.createdAt),
                    \(device.expiresAt), \(device.revoked), \(device.role?.rawValue), \(device.region),
                    \(device.publicKey), \(device.refreshHash), \(device.refreshExpiresAt), \(device.revokedAt),
                    \(device.previousRefreshHash))
            ON CONFLICT (device_id) DO NOTHING RETURNING device_id
            """, on: connection)
        guard !inserted.isEmpty else { throw SyncStoreError(.duplicateDevice, "device id taken") }
    }

    func device(id: String, on connection: PostgresConnection, lock: Bool) async throws -> DeviceRecord? {
        let query: PostgresQuery = lock
            ? "SELECT * FROM devices WHERE device_id = \(id) FOR UPDATE"
            : "SELECT * FROM devices WHERE device_id = \(id)"
        guard let row = try await rows(query, on: connection).first else { return nil }
        return DeviceRecord(
            deviceId: try row["device_id"].decode(String.self), helperId: try row["helper_id"].decode(String.self),
            label: try row["label"].decode(String?.self), tokenHash: try row["token_hash"].decode(String.self),
            createdAt: try row["created_at"].decode(Int64.self), expiresAt: try row["expires_at"].decode(Int64.self),
            revoked: try row["revoked"].decode(Bool.self),
            role: try row["role"].decode(String?.self).flatMap(AdminRole.init(rawValue:)),
            region: try row["region"].decode(String?.self), publicKey: try row["public_key"].decode(String?.self),
            refreshHash: try row["refresh_hash"].decode(String?.self),
            refreshExpiresAt: try row["refresh_expires_at"].decode(Int64?.self),
            revokedAt: try row["revoked_at"].decode(Int64?.self),
            previousRefreshHash: try row["refresh_previous_hash"].decode(String?.self))
    }
}
