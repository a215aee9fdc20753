import FieldDomain
import Foundation
import SyncModel
import Testing

@Suite struct JSONParserTests {
    /// A random JSON value from a seeded generator.
    static func randomValue(_ rng: inout SplitMix64, depth: Int = 0) -> JSONValue {
        let pick = Int.random(in: 0...(depth > 3 ? 4 : 6), using: &rng)
        switch pick {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &rng))
        case 2: return .int(Int64.random(in: -1_000_000_000_000...1_000_000_000_000, using: &rng))
        case 3: return .double(Double.random(in: -1e6...1e6, using: &rng))
        case 4:
            let alphabet = Array("aé帮扶\"\\/\n\t\u{01}😀 ")
            return .string(String((0..<Int.random(in: 0...12, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }))
        case 5: return .array((0..<Int.random(in: 0...4, using: &rng)).map { _ in randomValue(&rng, depth: depth + 1) })
        default:
            var members: [String: JSONValue] = [:]
            for index in 0..<Int.random(in: 0...4, using: &rng) { members["k\(index)·"] = randomValue(&rng, depth: depth + 1) }
            return .object(members)
        }
    }

    @Test func randomValuesRoundTripAndAgreeWithFoundation() throws {
        let seed = ProcessInfo.processInfo.environment["BANGFU_JSON_SEED"].flatMap(UInt64.init) ?? 1122
        var rng = SplitMix64(seed: seed)
        for _ in 0..<2000 {
            let value = Self.randomValue(&rng)
            let bytes = JSONWriter.bytes(value)
            let parsed = try JSONParser.parse(bytes)
            #expect(parsed == value, "seed \(seed)")
            let foundation = try JSONDecoder().decode(JSONValue.self, from: Data(bytes))
            #expect(foundation == value, "seed \(seed): Foundation reads our output differently")
            let reencoded = try JSONEncoder().encode(value)
            #expect(try JSONParser.parse(reencoded) == value, "seed \(seed): we read Foundation's output differently")
        }
    }

    @Test func escapesAndSurrogatePairsDecode() throws {
        let text = #"{"a":"\u5e2e\u6276 \ud83d\ude00 \"q\" \\ \/ \n","b":[1,-2.5e3,0,-0.0,true,false,null]}"#
        let value = try JSONParser.parse(Array(text.utf8))
        #expect(value.objectValue?["a"] == .string("帮扶 😀 \"q\" \\ / \n"))
        #expect(value.objectValue?["b"] == [1, -2500, 0, 0, true, false, nil])
    }

    @Test func writerSortsMembersSoEqualValuesGiveEqualBytes() {
        let a: JSONValue = ["z": 1, "a": ["y": true, "b": "x"]]
        #expect(String(decoding: JSONWriter.bytes(a), as: UTF8.self) == #"{"a":{"b":"x","y":true},"z":1}"#)
    }

    @Test(arguments: ["", "{", "[1,]", "{\"a\":1,}", "01", "1.", "-", "\"abc", "\"\\x\"", "tru", "nul",
                      "{\"a\" 1}", "[1 2]", "\"\\ud800\"", "\"a\u{01}b\"", "1 2", "NaN", "1e999"])
    func malformedTextIsRefused(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(Array(text.utf8)) }
    }

    @Test func hostileNestingIsRefusedNotACrash() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONParseError.self) { try JSONParser.parse(Array(deep.utf8)) }
        let fine = String(repeating: "[", count: JSONParser.maxDepth) + String(repeating: "]", count: JSONParser.maxDepth)
        #expect(throws: Never.self) { try JSONParser.parse(Array(fine.utf8)) }
    }

    @Test func invalidUTF8IsRefused() {
        #expect(throws: JSONParseError.self) { try JSONParser.parse([0x22, 0xFF, 0xFE, 0x22]) }
    }
}

@Suite struct MutationJSONTests {
    @Test func fastEncodingMatchesCodable() throws {
        let mutation = Mutation(seq: 7, collection: "visits", recordId: "v-1", op: .create,
                                fields: ["notes": "入户/核实", "gps": ["lat": 25.1, "lon": 105.4]],
                                stamp: HLCTimestamp(physical: 1_795_313_100_000, logical: 2, node: "dev"), baseVersion: 9)
        let request = PushRequest(deviceId: "dev", clientVersion: "app/1", mutations: [mutation])
        let fast = try JSONDecoder().decode(PushRequest.self, from: Data(JSONWriter.bytes(request.jsonValue)))
        #expect(fast == request)
        let codable = try JSONParser.parse(try JSONEncoder().encode(request))
        #expect(codable == request.jsonValue)
    }
}

/// Duplicate member names are refused, at any depth, whatever the spelling of the name (escapes included),
/// with the offset of the second name and without echoing it.
@Suite struct JSONParserDuplicateTests {
    @Test(arguments: [
        #"{"a":1,"a":2}"#, #"{"a":1,"b":{"c":1,"c":1}}"#, #"[{"x":null,"x":null}]"#, #"{"a":1,"\u0061":2}"#,
        #"{"seq":1,"mutations":[],"seq":2}"#,
    ])
    func duplicateMemberNamesAreRefused(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(Array(text.utf8)) }
        do {
            _ = try JSONParser.parse(Array(text.utf8))
        } catch let error as JSONParseError {
            #expect(error.reason == "duplicate member name")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func sameNameInSiblingObjectsIsFine() throws {
        let value = try JSONParser.parse(Array(#"[{"a":1},{"a":2}]"#.utf8))
        #expect(value == [["a": 1], ["a": 2]])
    }
}
