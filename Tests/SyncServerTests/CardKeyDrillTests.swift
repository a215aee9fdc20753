import Foundation
import MingbaiCard
import SyncModel
import SyncService
import Testing

/// The signing-key drill of protocol/cards.md §3, on a real key directory: a new key takes over while cards
/// signed by the old one keep verifying; the old key can no longer sign a new card; a compromised key is
/// revoked and every card it signed then verifies as revoked; the current key cannot be revoked.
@Suite struct CardKeyDrillTests {
    @Test func rotateThenRevokeACompromisedKey() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bangfu-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let keys = KeyDirectory(path: directory.path)
        let day: Int64 = 86_400
        let start: Int64 = 1_795_000_000
        try keys.initializeCardKeys(now: start)
        let first = try keys.cardSigner()
        let hash = [UInt8](repeating: 9, count: 16)
        func claims(_ card: UInt8, at: Int64) -> CardClaims {
            CardClaims(keyId: [], cardId: [UInt8](repeating: card, count: 12), householdId: "5223271012010001",
                       householdRevision: 3, issuedAt: at, contentHash: hash)
        }
        let old = try first.sign(claims(1, at: start + day))
        let household: (String) -> CardHouseholdState? = { _ in CardHouseholdState(revision: 3, contentHash: hash) }

        try keys.rotateCardKey(now: start + 10 * day)
        let second = try keys.cardSigner()
        #expect(second.keyId != first.keyId)
        let trust = try keys.cardTrustList(asOf: start + 11 * day)
        #expect(trust.keys.count == 2)
        let verifier = CardVerifier(trust: trust)
        #expect(verifier.verify(old, household: household) == .current(try #require(Self.claims(of: old, verifier))))
        let fresh = try second.sign(claims(2, at: start + 11 * day))
        guard case .current = verifier.verify(fresh, household: household) else { Issue.record("new key"); return }
        // A card the old key signed after it stopped: someone holding the old key, not the server.
        let late = try first.sign(claims(3, at: start + 12 * day))
        #expect(verifier.verify(late, household: household) == .forged(.outsideKeyValidity))

        #expect(throws: DataKeyError.self) { try keys.revokeCardKey(Hex.encode(second.keyId), now: start + 12 * day) }
        try keys.revokeCardKey(Hex.encode(first.keyId), now: start + 12 * day)
        let revoked = CardVerifier(trust: try keys.cardTrustList(asOf: start + 12 * day))
        guard case .revoked = revoked.verify(old, household: household) else { Issue.record("old card not revoked"); return }
        guard case .current = revoked.verify(fresh, household: household) else { Issue.record("new card"); return }
        let mode = try FileManager.default.attributesOfItem(
            atPath: directory.appendingPathComponent("cards/\(Hex.encode(second.keyId)).key").path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    static func claims(of payload: String, _ verifier: CardVerifier) -> CardClaims? {
        if case .current(let claims) = verifier.verify(payload, household: { _ in nil }) { return claims }
        if case .genuine(let claims) = verifier.verify(payload, household: { _ in nil }) { return claims }
        return nil
    }
}
