import FieldDomain
import Logging
import SyncEngine
import SyncModel
import SyncService
import SyncStore

/// Tampering with the audit log directly in the database, as someone with the database's password would,
/// and checking that `verify` names the right entry and reason (protocol/audit.md §5). The SQL differs per
/// database; the scenario and the expectations are the same. The log's append-only triggers refuse every
/// such statement (`appendOnlyRefusesEdits`); the tamperer drops them first, as the table's owner can.
package enum AuditTamperCheck {
    /// How a database spells the tampering.
    package struct Dialect: Sendable {
        /// Changes `from` to `to` inside the body of entry `seq`.
        package var editBody: @Sendable (_ seq: Int64, _ from: String, _ to: String) -> String
        /// Drops the append-only triggers (migration `v8-audit-append-only` / `v5-audit-append-only`).
        package var dropAppendOnly: [String]
        /// Statements the append-only triggers must refuse, besides `editBody` and the tamperings' own.
        package var otherRefused: [String] = []

        package static let sqlite = Dialect(
            editBody: { seq, from, to in
                "UPDATE audit_log SET body = CAST(replace(CAST(body AS TEXT), '\(from)', '\(to)') AS BLOB) WHERE seq = \(seq)"
            },
            dropAppendOnly: ["DROP TRIGGER audit_log_no_update", "DROP TRIGGER audit_log_no_delete"],
            otherRefused: ["DELETE FROM audit_log"])
        package static let postgres = Dialect(
            editBody: { seq, from, to in
                """
                UPDATE audit_log SET body = convert_to(replace(convert_from(body, 'UTF8'), '\(from)', '\(to)'), 'UTF8')
                WHERE seq = \(seq)
                """
            },
            dropAppendOnly: ["DROP TRIGGER audit_log_append_only ON audit_log", "DROP TRIGGER audit_log_no_truncate ON audit_log"],
            otherRefused: ["TRUNCATE audit_log", "DELETE FROM audit_log",
                           // Renumbering an entry out of the chain, or unchaining it, is an edit too.
                           "UPDATE audit_log SET seq = NULL, prev_hash = NULL, hash = NULL WHERE seq = 3"])
    }

    /// What a tampering does, and what verify must then say.
    package enum Tampering: String, Sendable, CaseIterable {
        case editContent, deleteMiddle, swapTwo, deleteNewest, deleteNewestAndHead
    }

    /// Writes data through the service on `store` (a fresh one), checks that the chain verifies, applies
    /// `tampering` with `execute` (one SQL statement per call), and checks what verify reports.
    package static func run(_ tampering: Tampering, store: any SyncStore, dialect: Dialect,
                            execute: @Sendable (String) async throws -> Void) async throws {
        let (service, _) = try await writeThroughService(store)
        let clean = try await service.verifyAudit()
        try require(clean.failure == nil, "untouched log does not verify: \(String(describing: clean.failure))")
        let count = clean.verified.seq
        try require(count >= 6, "expected at least 6 entries, got \(count)")
        let anchor = clean.verified
        let edited = try await store.auditRecords(after: 2, limit: 1)[0]
        try require(String(decoding: edited.body, as: UTF8.self).contains("\"incomeWage\":12000"),
                    "entry 3 is not the household write: \(String(decoding: edited.body, as: UTF8.self))")
        // An intruder with the database's owner rights first removes what refuses the edit.
        for statement in dialect.dropAppendOnly { try await execute(statement) }
        let expected: (seq: Int64, reason: AuditVerifier.Break.Reason)
        switch tampering {
        case .editContent:
            try await execute(dialect.editBody(3, "12000", "99000"))
            expected = (3, .edited)
        case .deleteMiddle:
            try await execute("DELETE FROM audit_log WHERE seq = 4")
            expected = (4, .deleted)
        case .swapTwo:
            try await execute("UPDATE audit_log SET seq = -1 WHERE seq = 3")
            try await execute("UPDATE audit_log SET seq = 3 WHERE seq = 4")
            try await execute("UPDATE audit_log SET seq = 4 WHERE seq = -1")
            expected = (3, .reordered)
        case .deleteNewest:
            try await execute("DELETE FROM audit_log WHERE seq > \(count - 2)")
            expected = (count - 1, .headMismatch)
        case .deleteNewestAndHead:
            try await execute("DELETE FROM audit_log WHERE seq > \(count - 2)")
            try await execute("""
                UPDATE audit_head SET seq = \(count - 2), hash = (SELECT hash FROM audit_log WHERE seq = \(count - 2)) WHERE id = 1
                """)
            // Invisible from inside the database: only the anchor kept outside shows it.
            let inside = try await service.verifyAudit()
            try require(inside.failure == nil && inside.verified.seq == count - 2,
                        "a consistent truncation should verify without an anchor: \(inside)")
            let anchored = try await service.verifyAudit(anchor: anchor)
            try require(anchored.failure?.reason == .anchorMismatch && anchored.failure?.seq == count,
                        "the kept anchor did not catch the truncation: \(String(describing: anchored.failure))")
            return
        }
        let result = try await service.verifyAudit(pageSize: 2)
        try require(result.failure?.seq == expected.seq && result.failure?.reason == expected.reason,
                    "\(tampering): expected \(expected.reason) at seq \(expected.seq), verify said \(String(describing: result.failure))")
        try require(result.verified.seq == expected.seq - 1, "verified through \(result.verified.seq)")
    }

    /// While the append-only triggers are there, every tampering statement (each of `run`'s, and the
    /// dialect's others) is refused, and the log verifies untouched afterwards.
    package static func appendOnlyRefusesEdits(store: any SyncStore, dialect: Dialect,
                                               execute: @Sendable (String) async throws -> Void) async throws {
        let (service, helper) = try await writeThroughService(store)
        let clean = try await service.verifyAudit()
        try require(clean.failure == nil && clean.verified.seq >= 6, "untouched log: \(clean)")
        let count = clean.verified.seq
        let statements = [dialect.editBody(3, "12000", "99000"), "DELETE FROM audit_log WHERE seq = 4",
                          "UPDATE audit_log SET seq = -1 WHERE seq = 3", "DELETE FROM audit_log WHERE seq > \(count - 2)",
                          "UPDATE audit_log SET hash = prev_hash WHERE seq = 2"] + dialect.otherRefused
        for statement in statements {
            var refused = false
            do { try await execute(statement) } catch { refused = true }
            try require(refused, "the append-only log accepted: \(statement)")
        }
        let after = try await service.verifyAudit(anchor: clean.verified)
        try require(after.failure == nil && after.verified == clean.verified, "the log changed: \(after)")
        // Appending still works, and is chained after the refused attempts as if nothing happened.
        _ = try await service.enroll(helperId: helper, label: nil, expiresInDays: 1)
        let appended = try await service.verifyAudit(anchor: clean.verified)
        try require(appended.failure == nil && appended.verified.seq == count + 1, "append after refusals: \(appended)")
    }

    /// Seeds a county and writes through the service: an enrolment, two pushes (a visit and a household
    /// change with a phone number, twice) and an admin deleting a member: six entries.
    static func writeThroughService(_ store: any SyncStore) async throws -> (service: SyncService, helper: String) {
        let fixture = try await StoreFixture.make(store)
        let (helper, households) = try fixture.helper()
        let random = SeededRandomSource(seed: 11)
        let service = SyncService(store: store, now: { fixture.clock.now() }, randomBytes: { random.bytes($0) },
                                  auditKey: TestKeys.key, cipher: TestKeys.cipher,
                                  logger: Logger(label: "audit-tamper", factory: { _ in SwiftLogNoOpLogHandler() }))
        let enrollment = try await service.enroll(helperId: helper, label: nil, expiresInDays: 1)
        let device = try await service.authenticate(authorization: "Bearer " + enrollment.token)
        for round in Int64(0)..<2 {
            let mutations = [
                fixture.visit("v-tamper-\(round)", seq: round * 2 + 1, device: device.deviceId, household: households[0]),
                fixture.setHousehold(households[0], seq: round * 2 + 2, device: device.deviceId,
                                     fields: ["incomeWage": .int(12000 + round * 1000), "phone": .string("1390000000\(round)")],
                                     physical: fixture.clock.now() + round),
            ]
            let response = try await service.push(
                PushEnvelope(deviceId: device.deviceId, clientVersion: nil, mutations: mutations.map(StoreFixture.json)),
                from: device)
            try require(response.results.allSatisfy { $0.status == .applied }, "push: \(response.results)")
        }
        guard let member = fixture.county.members.first(where: { $0.scope.householdId == households[0] }) else {
            throw ConformanceFailure("household \(households[0]) has no member to delete")
        }
        _ = try await service.deleteRecord(RecordKey(.members, member.id))
        return (service, helper)
    }
}
