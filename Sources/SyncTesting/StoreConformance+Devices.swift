import Foundation
import SyncStore

// Conformance checks of the `DeviceRegistry` port: enrolment codes are redeemed once, even by concurrent
// callers (on PostgreSQL through several nodes), and device changes run one after the other.
extension StoreConformance {
    static let deviceChecks: [String: Check] = [
        "enrolmentCodeIsRedeemedOnceUnderConcurrency": { makeStore in
            try await enrolmentCodeRedeemedOnce(nodes: [try await makeStore()])
        },
        "deviceChangesRunInTurnAndKeepEveryColumn": deviceChangesRunInTurn,
    ]

    /// Twenty concurrent redemptions of one code, spread over `nodes`: exactly one device is enrolled, the
    /// code records it, and the others saw the code used (their closure refused).
    package static func enrolmentCodeRedeemedOnce(nodes: [any SyncStore]) async throws {
        let fixture = try await StoreFixture.make(nodes[0])
        let (helper, _) = try fixture.helper()
        let now = fixture.clock.now()
        try await nodes[0].insertEnrolmentCode(EnrolmentCode(
            codeHash: "code-1", helperId: helper, label: "issued", createdBy: "operator", createdAt: now,
            expiresAt: now + 3_600_000))
        struct Used: Error {}
        let outcomes = try await withThrowingTaskGroup(of: String?.self) { group in
            for attempt in 0..<20 {
                let node = nodes[attempt % nodes.count]
                group.addTask {
                    do {
                        let device = try await node.redeemEnrolmentCode(hash: "code-1", at: now + 1) { code in
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
            _ = try await nodes[0].redeemEnrolmentCode(hash: "no-such-code", at: now) { _ in
                throw ConformanceFailure("closure called for an unknown code")
            }
            throw ConformanceFailure("unknown code redeemed")
        } catch let error as SyncStoreError {
            try require(error.code == .enrolmentCodeNotFound, "wrong error \(error)")
        }
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
        let revoked = try await store.updateDevice(id: "dev-a") { device in
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
        struct Refused: Error {}
        do {
            _ = try await store.updateDevice(id: "dev-a") { _ in throw Refused() }
        } catch is Refused {}
        try require(try await store.device(id: "dev-a") == revoked, "a refused change wrote")
        do {
            _ = try await store.updateDevice(id: "dev-nobody") { $0 }
            throw ConformanceFailure("unknown device updated")
        } catch let error as SyncStoreError {
            try require(error.code == .deviceNotFound, "wrong error \(error)")
        }
    }
}
