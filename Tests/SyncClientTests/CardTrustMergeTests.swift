import SyncModel
import Testing
@testable import SyncClient

/// The app's kept card trust list never goes back (protocol/cards.md §5.6): an answer from a node with an
/// older copy of the keys cannot un-revoke a key, lower a revocation counter, or drop a key.
@Suite struct CardTrustMergeTests {
    static func key(_ id: String, until: Int64? = nil, revoked: Bool = false) -> CardTrustMessage.Key {
        CardTrustMessage.Key(keyId: id, publicKey: "pk-" + id, validFrom: 1, validUntil: until, revoked: revoked)
    }

    @Test func anOlderAnswerCannotUndoWhatThePhoneKnows() {
        let saved = CardTrustMessage(asOf: 200, keys: [Self.key("a", until: 150, revoked: true), Self.key("b")],
                                     revocations: [.init(keyId: "b", counter: 3, cardIds: ["c1", "c2", "c3"])])
        let stale = CardTrustMessage(asOf: 180, keys: [Self.key("a")],
                                     revocations: [.init(keyId: "b", counter: 2, cardIds: ["c1", "c2"])])
        let merged = SyncClient.merge(saved, stale)
        #expect(merged.asOf == 200)
        #expect(merged.keys == [Self.key("a", until: 150, revoked: true), Self.key("b")])
        #expect(merged.revocations == saved.revocations)
    }

    @Test func aNewerAnswerAddsKeysAndRevocations() {
        let saved = CardTrustMessage(asOf: 100, keys: [Self.key("a")],
                                     revocations: [.init(keyId: "a", counter: 1, cardIds: ["c1"])])
        let newer = CardTrustMessage(asOf: 300, keys: [Self.key("a", until: 250), Self.key("b")],
                                     revocations: [.init(keyId: "a", counter: 2, cardIds: ["c1", "c9"])])
        let merged = SyncClient.merge(saved, newer)
        #expect(merged == newer)
    }
}
