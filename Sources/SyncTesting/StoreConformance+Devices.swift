import Foundation
import SyncEngine
import SyncStore

// Conformance checks of the `DeviceRegistry` port: enrolment codes are redeemed once, even by concurrent
// callers (on PostgreSQL through several nodes), device changes run one after the other, and each write
// commits the audit entries it was given with it (only the redemption that enrolled, only a change made).
extension StoreConformance {
    static let deviceChecks: [String: Check] = [
        "enrolmentCodeIsRedeemedOnceUnderConcurrency": { makeStore in
            try await enrolmentCodeRedeemedOnce(nodes: [try await makeStore()])
        },
        "deviceChangesRunInTurnAndKeepEveryColumn": deviceChangesRunInTurn,
    ]

    /// Twenty concurrent redemptions of one code, spread over `nodes`: exactly one device is enrolled, the
    /// code records it, the others saw the code used (their closure refused), and the log holds the code's
    /// entry and the one enrolment's, nothing for the refused ones.
    package static func enrolmentCodeRedeemedOnce(nodes: [any SyncStore]) async throws {
        let fixture = try await StoreFixture.make(nodes[0])
        let (helper, _) = try fixture.helper()
        let now = fixture.clock.now()
        try await nodes[0].insertEnrolmentCode(EnrolmentCode(
            codeHash: "code-1", helperId: helper, label: "issued", createdBy: "operator", createdAt: now,
            expiresAt: now + 3_600_000), audit: [AuditEntry(action: .enrolmentCodeIssue, at: now, actor: "operator")])
        struct Used: Error {}
        let outcomes = try await withThrowingTaskGroup(of: String?.self) { group in
            for attempt in 0..<20 {
                let node = nodes[attempt % nodes.count]
                group.addTask {
                    do {
                        let device = try await node.redeemEnrolmentCode(hash: "code-1", at: now + 1, audit: { device in
                            [AuditEntry(action: .deviceEnroll, at: now + 1, actor: device.helperId, deviceId: device.deviceId)]
                        }) { code in
                            guard code.usedAt == nil else { throw Used() }
                            return DeviceRecord(deviceId: "dev-\(attempt)", helperId: code.helperId, label: code.label,
                                                tokenHash: "t\(attempt)", createdAt: now, expiresAt: now + 1000,
                                                publicKey: "key-\(attempt)", refreshHash: "r\(attempt)",
                                                refreshExpiresAt: now + 2000)
                        }
                        return device.deviceId
                    } catch is Used {
                        return nil
                    }
                }
            }
            return try await group.reduce(into: [String?]()) { $0.append($1) }
        }
        let enrolled = outcomes.compactMap { $0 }
        try require(enrolled.count == 1, "\(enrolled.count) devices enrolled with one code")
        let device = try await nodes[0].device(id: enrolled[0])
        try require(device?.publicKey == "key-" + enrolled[0].dropFirst(4) && device?.refreshHash != nil
                        && device?.refreshExpiresAt == now + 2000 && device?.label == "issued",
                    "enrolled device not stored whole: \(String(describing: device))")
        do {
            _ = try await nodes[0].redeemEnrolmentCode(hash: "no-such-code", at: now, audit: { _ in
                [AuditEntry(action: .deviceEnroll, at: now, actor: "nobody")]
            }) { _ in
                throw ConformanceFailure("closure called for an unknown code")
            }
            throw ConformanceFailure("unknown code redeemed")
        } catch let error as SyncStoreError {
            try require(error.code == .enrolmentCodeNotFound, "wrong error \(error)")
        }
        let (records, failure) = try await fixture.auditLog(atLeast: 2)
        try require(failure == nil, "chain broken: \(String(describing: failure))")
        let entries = try records.map { try $0.entry() }
        try require(entries.map(\.action) == [.enrolmentCodeIssue, .deviceEnroll] && entries[1].deviceId == enrolled[0],
                    "entries \(entries): expected the code's and the one enrolment's")
    }

    /// Concurrent changes of one device each see the one before (no lost update); every written column
    /// comes back; an unknown device is `deviceNotFound`; a refused change writes nothing.
    static func deviceChangesRunInTurn(_ makeStore: @Sendable () async throws -> any SyncStore) async throws {
        let fixture = try await StoreFixture.make(try await makeStore())
        let (helper, _) = try fixture.helper()
        try await fixture.enroll("dev-a", helperId: helper)
        let store = fixture.store
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<20 {
                group.addTask {
                    _ = try await store.updateDevice(id: "dev-a") { device in
                        var changed = device
                        changed.expiresAt += 1
                        changed.tokenHash = "h\(changed.expiresAt)"
                        return changed
                    }
                }
            }
            try await group.waitForAll()
        }
        let before = try await store.device(id: "dev-a")!
        try require(before.tokenHash == "h\(before.expiresAt)", "token and expiry written by different changes")
        try require(try await store.auditHead() == .empty, "changes without entries wrote entries")
        let revoke: @Sendable (DeviceRecord, DeviceRecord) -> [AuditEntry] = { before, after in
            before.revoked ? [] : [AuditEntry(action: .deviceRevoke, at: 42, actor: "operator", deviceId: after.deviceId)]
        }
        let revoked = try await store.updateDevice(id: "dev-a", audit: revoke) { device in
            var changed = device
            changed.revoked = true
            changed.revokedAt = 42
            changed.refreshHash = "r"
            changed.refreshExpiresAt = 43
            changed.previousRefreshHash = "p"
            return changed
        }
        let stored = try await store.device(id: "dev-a")
        try require(stored == revoked && stored?.revoked == true && stored?.revokedAt == 42
                        && stored?.refreshHash == "r" && stored?.refreshExpiresAt == 43 && stored?.previousRefreshHash == "p",
                    "device columns not kept: \(String(describing: stored))")
        // The entry sees the row as it was: a second revocation changes nothing and adds no entry.
        _ = try await store.updateDevice(id: "dev-a", audit: revoke) { $0 }
        struct Refused: Error {}
        do {
            _ = try await store.updateDevice(id: "dev-a", audit: { _, _ in
                [AuditEntry(action: .deviceRevoke, at: 43, actor: "operator", deviceId: "dev-a")]
            }) { _ in throw Refused() }
        } catch is Refused {}
        try require(try await store.device(id: "dev-a") == revoked, "a refused change wrote")
        let entries = try await fixture.auditLog().records.map { try $0.entry() }
        try require(entries.map(\.action) == [.deviceRevoke] && entries[0].deviceId == "dev-a" && entries[0].at == 42,
                    "entries \(entries): expected the one revocation's")
        do {
            _ = try await store.updateDevice(id: "dev-nobody") { $0 }
            throw ConformanceFailure("unknown device updated")
        } catch let error as SyncStoreError {
            try require(error.code == .deviceNotFound, "wrong error \(error)")
        }
    }
}
