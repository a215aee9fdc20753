import FieldDomain
import SyncEngine
import SyncModel

/// An admin account (村/乡镇/县级管理员, operator): a role bound to a region, with its own token, of which
/// only the SHA-256 of the secret is kept.
package struct AdminAccount: Sendable, Hashable, Codable {
    package var id: String
    package var name: String
    package var role: AdminRole
    /// The region code the role is bound to (`""` for the operator).
    package var region: String
    package var tokenHash: String
    package var createdAt: Int64
    package var disabled: Bool

    package init(id: String, name: String, role: AdminRole, region: String, tokenHash: String, createdAt: Int64,
                 disabled: Bool = false) {
        self.id = id
        self.name = name
        self.role = role
        self.region = region
        self.tokenHash = tokenHash
        self.createdAt = createdAt
        self.disabled = disabled
    }

    /// The principal this account acts as.
    package var principal: Principal { .admin(id: id, role: role, region: region) }
}

/// The admin accounts and the region look-ups admin checks need: a small port of its own beside the sync
/// port (STYLE rule 2), with the same in-memory, SQLite and PostgreSQL adapters. The writes take the audit
/// entries of the action and commit them in the same transaction (`AuditLog`).
package protocol AdminDirectory: Sendable {
    /// Adds an account, and `audit` in the same transaction; throws `duplicateAdmin` (writing nothing) when
    /// the id is taken.
    func insertAdmin(_ account: AdminAccount, audit: [AuditEntry]) async throws
    /// One account by id.
    func admin(id: String) async throws -> AdminAccount?
    /// Every account, ordered by id.
    func admins() async throws -> [AdminAccount]
    /// Disables (or enables) an account, and appends `audit` in the same transaction; false, writing
    /// nothing, when there is no such account.
    func setAdminDisabled(id: String, _ disabled: Bool, audit: [AuditEntry]) async throws -> Bool
    /// The helpers with a current assignment in a household whose village starts with `regionPrefix`.
    func helperIds(inRegion regionPrefix: String) async throws -> Set<String>
    /// The households of `helperId`'s current assignments.
    func householdsAssigned(to helperId: String) async throws -> Set<String>
    /// The helpers currently assigned to each of `households` (a household without one is absent).
    func helpersAssigned(to households: Set<String>) async throws -> [String: Set<String>]
}
