import SyncEngine
import SyncModel
import SyncStore

/// That each audited action of the admin directory, the device registry and compaction writes its entry in
/// its own transaction (protocol/audit.md §1, "Atomicity"): with the database made to refuse every insert
/// into the audit log, each action fails and nothing of it is kept. Had the entry been appended after the
/// action's commit, the action would stay. The SQL that refuses inserts differs per database.
package enum AuditAtomicityCheck {
    /// How a database refuses audit inserts, and stops refusing them.
    package struct Dialect: Sendable {
        package var refuseInserts: [String]
        package var allowInserts: [String]

        package static let sqlite = Dialect(
            refuseInserts: ["""
                CREATE TRIGGER audit_log_refuse_insert BEFORE INSERT ON audit_log
                BEGIN SELECT RAISE(ABORT, 'audit insert refused by the test'); END
                """],
            allowInserts: ["DROP TRIGGER audit_log_refuse_insert"])
        package static let postgres = Dialect(
            refuseInserts: [
                """
                CREATE FUNCTION audit_log_refuse_insert() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION 'audit insert refused by the test'; END $$
                """,
                """
                CREATE TRIGGER audit_log_refuse_insert BEFORE INSERT ON audit_log
                FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_insert()
                """,
            ],
            allowInserts: ["DROP TRIGGER audit_log_refuse_insert ON audit_log"])
    }

    /// Runs every audited write of `AdminDirectory`, `DeviceRegistry` and `compact` on `store` (a fresh one)
    /// while `execute` has made the database refuse audit inserts, and checks that none of them is kept.
    package static func run(store: any SyncStore, dialect: Dialect,
                            execute: @Sendable (String) async throws -> Void) async throws {
        let fixture = try await StoreFixture.make(store)
        let (helper, households) = try fixture.helper()
        let now = fixture.clock.now()
        // What must already exist: an account to disable, a device to revoke, a code to redeem, a tombstone
        // to compact. Written without entries, so the refusing trigger does not stop them.
        let account = AdminAccount(id: "adm-kept", name: "县级管理员", role: .county, region: "522327", tokenHash: "h",
                                   createdAt: now)
        try await store.insertAdmin(account, audit: [])
        try await fixture.enroll("dev-kept", helperId: helper)
        try await store.insertEnrolmentCode(EnrolmentCode(codeHash: "code-kept", helperId: helper, label: nil,
                                                          createdBy: "operator", createdAt: now, expiresAt: now + 3_600_000),
                                            audit: [])
        guard let member = fixture.county.members.first(where: { $0.scope.householdId == households[0] }) else {
            throw ConformanceFailure("household \(households[0]) has no member")
        }
        _ = try await fixture.delete(RecordKey(.members, member.id))
        let tombstone = try await fixture.positioned(RecordKey(.members, member.id))
        let head = try await store.auditHead()

        for statement in dialect.refuseInserts { try await execute(statement) }
        let entry: @Sendable (AuditEntry.Action) -> [AuditEntry] = { [AuditEntry(action: $0, at: now, actor: "operator")] }
        func refused(_ what: String, _ action: () async throws -> Void) async throws {
            var failed = false
            do { try await action() } catch { failed = true }
            try require(failed, "\(what) succeeded although its audit entry could not be written")
        }
        try await refused("insertAdmin") {
            try await store.insertAdmin(AdminAccount(id: "adm-new", name: "乡镇管理员", role: .town, region: "522327001",
                                                     tokenHash: "h", createdAt: now), audit: entry(.adminCreate))
        }
        try await refused("setAdminDisabled") {
            _ = try await store.setAdminDisabled(id: account.id, true, audit: entry(.adminDisable))
        }
        try await refused("insertEnrolmentCode") {
            try await store.insertEnrolmentCode(EnrolmentCode(codeHash: "code-new", helperId: helper, label: nil,
                                                              createdBy: "operator", createdAt: now, expiresAt: now + 1),
                                                audit: entry(.enrolmentCodeIssue))
        }
        try await refused("redeemEnrolmentCode") {
            _ = try await store.redeemEnrolmentCode(hash: "code-kept", at: now, audit: { _ in entry(.deviceEnroll) }) { code in
                DeviceRecord(deviceId: "dev-redeemed", helperId: code.helperId, label: nil, tokenHash: "t", createdAt: now,
                             expiresAt: now + 1000)
            }
        }
        try await refused("insertDevice") {
            try await store.insertDevice(DeviceRecord(deviceId: "dev-new", helperId: helper, label: nil, tokenHash: "t",
                                                      createdAt: now, expiresAt: now + 1000), audit: entry(.deviceEnroll))
        }
        try await refused("updateDevice") {
            _ = try await store.updateDevice(id: "dev-kept", audit: { _, _ in entry(.deviceRevoke) }) { device in
                var revoked = device
                revoked.revoked = true
                revoked.revokedAt = now
                return revoked
            }
        }
        try await refused("compact") {
            _ = try await store.compact(collections: [], audit: { _ in entry(.compaction) }) {
                $0.deleted && $0.collection == .members
            }
        }
        for statement in dialect.allowInserts { try await execute(statement) }

        try require(try await store.admin(id: "adm-new") == nil, "the account was added without its entry")
        try require(try await store.admin(id: account.id)?.disabled == false, "the account was disabled without its entry")
        try require(try await store.device(id: "dev-new") == nil, "a device was enrolled without its entry")
        try require(try await store.device(id: "dev-redeemed") == nil, "a code enrolled a device without its entry")
        try require(try await store.device(id: "dev-kept")?.revoked == false, "the device was revoked without its entry")
        try require(try await store.record(RecordKey(.members, member.id)) == tombstone, "compaction forgot without its entry")
        // The code issued without its entry is unknown; the kept one is still unused: it redeems now.
        do {
            _ = try await store.redeemEnrolmentCode(hash: "code-new", at: now, audit: { _ in [] }) { _ in
                throw ConformanceFailure("a code issued without its entry was kept")
            }
        } catch let error as SyncStoreError where error.code == .enrolmentCodeNotFound {}
        let redeemed = try await store.redeemEnrolmentCode(hash: "code-kept", at: now, audit: { _ in [] }) { code in
            guard code.usedAt == nil else { throw ConformanceFailure("the code was used without its entry") }
            return DeviceRecord(deviceId: "dev-later", helperId: code.helperId, label: nil, tokenHash: "t", createdAt: now,
                                expiresAt: now + 1000)
        }
        try require(redeemed.deviceId == "dev-later", "redeemed \(redeemed.deviceId)")
        try require(try await store.auditHead() == head, "the log moved")
    }
}
