import FieldDomain
import SyncModel
import SyncStore
import Testing

/// What travels between nodes in a `NOTIFY` payload, and which device scopes an advance touches.
@Suite struct LogAdvanceTests {
    @Test func encodingRoundTripsWithEmptyKinds() {
        let advances = [
            LogAdvance(households: ["5223270010010001"], villages: ["522327001001"]),
            LogAdvance(helpers: ["hp1"]),
            LogAdvance(),
            LogAdvance(everything: true),
        ]
        for advance in advances {
            #expect(LogAdvance(encoded: advance.encoded) == advance, "\(advance.encoded)")
        }
        #expect(LogAdvance(encoded: "garbage").everything)
    }

    @Test func tooManyKeysMeanEverything() {
        let many = Set((0...LogAdvance.maxKeys).map { "h\($0)" })
        #expect(LogAdvance(households: many).everything)
        #expect(LogAdvance(households: many).encoded == "*")
    }

    @Test func touchesExactlyTheScopesItNames() {
        let advance = LogAdvance(households: ["H1"], villages: ["522327001001"], helpers: ["hp9"])
        #expect(advance.touches(Scope.households(["H1"], owner: "hp1")))
        #expect(!advance.touches(Scope.households(["H2"], owner: "hp1")))
        #expect(advance.touches(Scope.households([], owner: "hp9")), "an assignment of the helper changed")
        #expect(advance.touches(Scope(regionPrefixes: ["522327001"])))
        #expect(!advance.touches(Scope(regionPrefixes: ["522327002"])))
        #expect(LogAdvance(everything: true).touches(Scope.households([], owner: "nobody")))
    }
}
