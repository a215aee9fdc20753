import FieldDomain
import SyncEngine

/// A one-time enrolment code an admin issued for a helper (or for an admin account's phone). Only the
/// SHA-256 of the code is kept; the code itself is shown once.
package struct EnrolmentCode: Sendable, Hashable {
    /// Lowercase hex SHA-256 of the normalised code.
    package var codeHash: String
    /// The helper (or admin account) the enrolled device will belong to.
    package var helperId: String
    /// For an admin's phone: the role and region it will pull.
    package var role: AdminRole?
    package var region: String?
    package var label: String?
    /// The admin principal who issued it.
    package var createdBy: String
    package var createdAt: Int64
    package var expiresAt: Int64
    /// When it was used, and by which device; nil while unused.
    package var usedAt: Int64?
    package var deviceId: String?

    package init(codeHash: String, helperId: String, role: AdminRole? = nil, region: String? = nil, label: String?,
                 createdBy: String, createdAt: Int64, expiresAt: Int64, usedAt: Int64? = nil, deviceId: String? = nil) {
        self.codeHash = codeHash
        self.helperId = helperId
        self.role = role
        self.region = region
        self.label = label
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.usedAt = usedAt
        self.deviceId = deviceId
    }
}

/// Enrolment codes and the device lifecycle after enrolment: a small port of its own beside the sync port
/// (STYLE rule 2). The rules (expiry, one use, refresh, revocation) are the service's; the store runs them
/// inside one transaction and writes what they return, with the audit entries of the action in the same
/// transaction (`AuditLog`): the action and its entries commit together or not at all.
package protocol DeviceRegistry: Sendable {
    /// Keeps a new enrolment code, and `audit` in the same transaction.
    func insertEnrolmentCode(_ code: EnrolmentCode, audit: [AuditEntry]) async throws

    /// In one transaction: loads the code with `codeHash` (throws `enrolmentCodeNotFound` when there is
    /// none), calls `redeem` with it (which throws to refuse), marks the code used by the returned device,
    /// inserts that device (`duplicateDevice`, `unknownHelper` as `insertDevice`), and appends the entries
    /// `audit` builds from the device inserted. Two concurrent redemptions of one code: exactly one succeeds,
    /// the other sees it used.
    func redeemEnrolmentCode(hash codeHash: String, at now: Int64,
                             audit: @escaping @Sendable (_ enrolled: DeviceRecord) -> [AuditEntry],
                             _ redeem: @escaping @Sendable (EnrolmentCode) throws -> DeviceRecord) async throws
        -> DeviceRecord

    /// In one transaction: loads the device (throws `deviceNotFound`), calls `change` (which throws to
    /// refuse), writes its token, refresh and revocation columns from the returned record, and appends the
    /// entries `audit` builds from the device before and the device written (none for a refresh; one for a
    /// revocation that revoked). Two concurrent changes of one device run one after the other, the second
    /// seeing the first's result.
    func updateDevice(id: String, audit: @escaping @Sendable (_ before: DeviceRecord, _ after: DeviceRecord) -> [AuditEntry],
                      _ change: @escaping @Sendable (DeviceRecord) throws -> DeviceRecord) async throws
        -> DeviceRecord
}

extension DeviceRegistry {
    /// Changes a device with no audit entry: a token refresh (not an action anyone audits).
    package func updateDevice(id: String, _ change: @escaping @Sendable (DeviceRecord) throws -> DeviceRecord)
        async throws -> DeviceRecord
    {
        try await updateDevice(id: id, audit: { _, _ in [] }, change)
    }
}
