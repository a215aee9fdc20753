import Crypto
import Foundation
import MingbaiCard
import SyncModel
import Testing

/// protocol/examples/card-vectors.json from the test keys it documents: Ed25519 signing is deterministic, so
/// the committed file must be exactly what this makes (anyone can rebuild the vectors from the spec), and
/// `BANGFU_WRITE_CARD_VECTORS=1 swift test --filter CardVectorWriter` writes it again after a format change.
/// `CardPayloadTests` checks each case's verdict.
@Suite struct CardVectorWriter {
    static func key(_ label: String) throws -> CardSigner {
        try CardSigner(privateKey: Array(SHA256.hash(data: Array("bangfu card test key \(label)".utf8))))
    }

    @Test func theCommittedVectorsAreWhatTheTestKeysMake() throws {
        let (a, b, c) = (try Self.key("A"), try Self.key("B"), try Self.key("C"))
        let validFrom: Int64 = 1_790_000_000  // 2026-09-21
        let issued: Int64 = 1_795_313_100     // 2026-11-22
        let current = CardContent.hash(["household": "5223271012010001", "members": 4, "status": "stable"])
        let changed = CardContent.hash(["household": "5223271012010002", "members": 3, "status": "monitored"])
        func claims(_ household: String, _ hash: [UInt8], card: UInt8, at: Int64 = issued) -> CardClaims {
            CardClaims(keyId: [], cardId: [UInt8](repeating: card, count: 12), householdId: household,
                       householdRevision: 7, issuedAt: at, contentHash: hash)
        }
        let good = try a.sign(claims("5223271012010001", current, card: 1))
        var flipped = Base45.decode(String(good.dropFirst(4)))!
        flipped[80] ^= 0x01
        // A well-signed body naming algorithm 2 (SM2, reserved): the verifier cannot vouch for it.
        var sm2Body = Base45.decode(String(good.dropFirst(4)))!.prefix(53).map { $0 }
        sm2Body[0] = 2
        let sm2Signature = try Curve25519.Signing.PrivateKey(
            rawRepresentation: Array(SHA256.hash(data: Array("bangfu card test key A".utf8)))
        ).signature(for: Array("BF1:".utf8) + sm2Body)
        let cases: [(String, String, String)] = [
            ("current: key A, the household's records unchanged", good, "current"),
            ("outdated: the household changed since printing", try a.sign(claims("5223271012010002", current, card: 2)), "outdated"),
            ("genuine: the verifier does not hold this household", try a.sign(claims("5223271012010003", current, card: 3)), "genuine"),
            ("revoked: card 4 is on key A's revocation list", try a.sign(claims("5223271012010001", current, card: 4)), "revoked"),
            ("revoked: key B was compromised", try b.sign(claims("5223271012010001", current, card: 5)), "revoked"),
            ("forged: key C is not published", try c.sign(claims("5223271012010001", current, card: 6)), "forged:unknownKey"),
            ("forged: one bit of the signature flipped", "BF1:" + Base45.encode(flipped), "forged:badSignature"),
            ("forged: issued before key A was valid", try a.sign(claims("5223271012010001", current, card: 7, at: validFrom - 1)),
             "forged:outsideKeyValidity"),
            ("forged: algorithm 2 (SM2) is not supported", "BF1:" + Base45.encode(sm2Body + Array(sm2Signature)),
             "forged:unknownAlgorithm"),
            ("forged: truncated", String(good.dropLast(3)), "forged:malformed"),
            ("forged: lower case", good.lowercased(), "forged:malformed"),
            ("forged: another format version", "BF2:" + good.dropFirst(4), "forged:malformed"),
        ]
        func hex(_ bytes: [UInt8]) -> JSONValue { .string(Hex.encode(bytes)) }
        let document: JSONValue = [
            "description": "明白卡 QR payload test vectors (protocol/cards.md §6). Test keys only: each private key is the SHA-256 of the UTF-8 text 'bangfu card test key A' (B, C).",
            "trustList": [
                "asOf": .int(issued + 86_400),
                "keys": [
                    ["publicKey": hex(a.publicKey), "keyId": hex(a.keyId), "validFrom": .int(validFrom)],
                    ["publicKey": hex(b.publicKey), "keyId": hex(b.keyId), "validFrom": .int(validFrom), "revoked": true],
                ],
                "revocations": [
                    ["keyId": hex(a.keyId), "counter": 1, "cardIds": [hex([UInt8](repeating: 4, count: 12))]],
                ],
            ],
            "households": [
                "5223271012010001": ["revision": 7, "contentHash": hex(current)],
                "5223271012010002": ["revision": 8, "contentHash": hex(changed)],
            ],
            "cases": .array(cases.map { ["name": .string($0.0), "payload": .string($0.1), "expected": .string($0.2)] }),
        ]
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("protocol/examples/card-vectors.json")
        let made = Data(JSONWriter.bytes(document) + [0x0A])
        if ProcessInfo.processInfo.environment["BANGFU_WRITE_CARD_VECTORS"] != nil { try made.write(to: url) }
        #expect(try Data(contentsOf: url) == made, "card-vectors.json differs from what its test keys make")
    }
}
