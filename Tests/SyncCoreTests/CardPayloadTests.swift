import Crypto
import FieldDomain
import Foundation
import MingbaiCard
import QRCode
import SyncModel
import Testing

/// The 明白卡 payload (protocol/cards.md): Base45 against RFC 9285, the published test vectors, QR size at
/// ECC Q, and that nothing a scanner can hand over makes the verifier trap.
@Suite struct CardPayloadTests {
    @Test func base45MatchesRFC9285() {
        for (text, encoded) in [("AB", "BB8"), ("Hello!!", "%69 VD92EX0"), ("base-45", "UJCLQE7W581"), ("ietf!", "QED8WEX0")] {
            #expect(Base45.encode(Array(text.utf8)) == encoded)
            #expect(Base45.decode(encoded) == Array(text.utf8))
        }
        #expect(Base45.decode("GGW") == nil, "65535 < GGW = 65536: out of range")
        #expect(Base45.decode("A") == nil && Base45.decode("a") == nil)
        for length in 0..<40 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 * 53 + 7) }
            #expect(Base45.decode(Base45.encode(bytes)) == bytes)
        }
    }

    @Test func thePublishedVectorsGetTheirVerdicts() throws {
        let vectors = try CardVectors.load()
        let verifier = CardVerifier(trust: vectors.trust)
        #expect(vectors.cases.count >= 10)
        for vector in vectors.cases {
            let verdict = verifier.verify(vector.payload) { vectors.households[$0] }
            #expect(CardVectors.name(verdict) == vector.expected, "\(vector.name)")
        }
    }

    /// 180 alphanumeric characters: QR version 9 at ECC Q, under the issue's limit of 10 (and 13 at ECC H).
    @Test func aPayloadFitsQRVersion9AtLevelQ() throws {
        let payload = try #require(try CardVectors.load().cases.first { $0.expected == "current" }?.payload)
        #expect(payload.count == 180)
        let q = try #require(QRMatrix(payload, level: .q))
        let h = try #require(QRMatrix(payload, level: .h))
        #expect((q.size - 17) / 4 == 9, "version \((q.size - 17) / 4) at Q")
        #expect((h.size - 17) / 4 <= 13, "version \((h.size - 17) / 4) at H")
    }

    /// Flipped bytes and characters, truncations, random text and huge input: forged, never a trap, never
    /// genuine (a seeded run: seed printed on failure).
    @Test func anythingAScannerHandsOverIsForgedOrTheRealCard() throws {
        let vectors = try CardVectors.load()
        let verifier = CardVerifier(trust: vectors.trust)
        let payload = try #require(vectors.cases.first { $0.expected == "current" }?.payload)
        let seed: UInt64 = 20_261_207
        var random = SplitMix64(seed: seed)
        let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:abc€中".unicodeScalars)
        let bytes = try #require(Base45.decode(String(payload.dropFirst(4))))
        for round in 0..<3000 {
            var candidate: String
            switch round % 5 {
            case 0:
                var flipped = bytes
                let index = Int(random.next() % UInt64(flipped.count))
                flipped[index] ^= UInt8(1 << (random.next() % 8))
                candidate = "BF1:" + Base45.encode(flipped)
            case 1:
                var characters = Array(payload.unicodeScalars)
                characters[4 + Int(random.next() % UInt64(characters.count - 4))] = alphabet[Int(random.next() % UInt64(alphabet.count))]
                candidate = String(String.UnicodeScalarView(characters))
            case 2:
                candidate = String(payload.prefix(Int(random.next() % UInt64(payload.count))))
            case 3:
                candidate = String(String.UnicodeScalarView((0..<Int(random.next() % 300)).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] }))
            default:
                candidate = "BF1:" + String(repeating: "A", count: Int(random.next() % 200_000))
            }
            let verdict = verifier.verify(candidate) { vectors.households[$0] }
            if candidate == payload { continue }
            guard case .forged = verdict else {
                Issue.record("seed \(seed) round \(round): \(verdict) for \(candidate.prefix(60))")
                return
            }
        }
    }
}

/// protocol/examples/card-vectors.json, decoded.
struct CardVectors {
    struct Case { var name: String; var payload: String; var expected: String }
    var trust: CardTrustList
    var households: [String: CardHouseholdState]
    var cases: [Case]

    static func load() throws -> CardVectors {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("protocol/examples/card-vectors.json")
        let json = try JSONDecoder().decode(JSONValue.self, from: Data(contentsOf: url))
        guard case .object(let root) = json, case .object(let trust)? = root["trustList"],
            case .array(let keys)? = trust["keys"], case .array(let lists)? = trust["revocations"],
            case .object(let households)? = root["households"], case .array(let cases)? = root["cases"]
        else { throw CardError("card-vectors.json has another shape") }
        func hex(_ value: JSONValue?) throws -> [UInt8] {
            guard let text = value?.stringValue, let bytes = Hex.decode(text) else { throw CardError("bad hex") }
            return bytes
        }
        return CardVectors(
            trust: CardTrustList(
                keys: try keys.map { key in
                    CardSignerKey(publicKey: try hex(key.objectValue?["publicKey"]),
                                  validFrom: key.objectValue?["validFrom"]?.intValue ?? 0,
                                  validUntil: key.objectValue?["validUntil"]?.intValue,
                                  revoked: key.objectValue?["revoked"] == .bool(true))
                },
                revocations: try lists.map { list in
                    CardRevocationList(keyId: try hex(list.objectValue?["keyId"]),
                                       counter: list.objectValue?["counter"]?.intValue ?? 0,
                                       cardIds: Set(try (list.objectValue?["cardIds"]?.arrayValue ?? []).map { try hex($0) }))
                },
                asOf: trust["asOf"]?.intValue ?? 0),
            households: try households.mapValues { state in
                CardHouseholdState(revision: state.objectValue?["revision"]?.intValue ?? 0,
                                   contentHash: try hex(state.objectValue?["contentHash"]))
            },
            cases: cases.compactMap { item in
                guard let object = item.objectValue, let name = object["name"]?.stringValue,
                    let payload = object["payload"]?.stringValue, let expected = object["expected"]?.stringValue
                else { return nil }
                return Case(name: name, payload: payload, expected: expected)
            })
    }

    /// A verdict's name as the vectors write it: `current`, `forged:badSignature`, …
    static func name(_ verdict: CardVerdict) -> String {
        switch verdict {
        case .current: return "current"
        case .outdated: return "outdated"
        case .genuine: return "genuine"
        case .revoked: return "revoked"
        case .forged(let reason): return "forged:\(reason.rawValue)"
        }
    }
}
