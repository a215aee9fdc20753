import Foundation
import SyncModel
import Testing

@Suite struct HybridLogicalClockTests {
    @Test func ticksNeverGoBackwardsWhenTheWallClockDoes() {
        var clock = HybridLogicalClock(node: "dev-a")
        let first = clock.tick(now: 1_000)
        let second = clock.tick(now: 900)
        let third = clock.tick(now: 900)
        #expect(first < second && second < third)
        #expect(second.physical == 1_000 && second.logical == 1)
    }

    @Test func observingARemoteStampOrdersTheNextTickAfterIt() {
        var clock = HybridLogicalClock(node: "dev-a")
        _ = clock.tick(now: 1_000)
        let remote = HLCTimestamp(physical: 5_000, logical: 7, node: "dev-b")
        clock.observe(remote, now: 1_100)
        let next = clock.tick(now: 1_200)
        #expect(next > remote)
        #expect(next.node == "dev-a")
    }

    @Test func stampsOrderByPhysicalThenLogicalThenNode() {
        let a = HLCTimestamp(physical: 10, logical: 5, node: "z")
        let b = HLCTimestamp(physical: 11, logical: 0, node: "a")
        let c = HLCTimestamp(physical: 11, logical: 0, node: "b")
        #expect(a < b && b < c)
    }

    @Test func wireFormRoundTripsAndSortsAsText() throws {
        let small = HLCTimestamp(physical: 999, logical: 2, node: "dev-1")
        let large = HLCTimestamp(physical: 1_763_800_000_000, logical: 0, node: "dev-1")
        #expect(HLCTimestamp(wireValue: small.wireValue) == small)
        #expect(small.wireValue < large.wireValue)
        #expect(small.wireValue == "000000000000999-2-dev-1")
    }

    @Test(arguments: ["", "12", "a-0-n", "1-x-n", "1-0-", "-1-0-n"])
    func malformedWireFormsAreRefused(_ raw: String) {
        #expect(HLCTimestamp(wireValue: raw) == nil)
    }
}

@Suite struct JSONValueTests {
    @Test func integralNumberEqualsItselfAfterAWireRoundTrip() throws {
        let sent: JSONValue = ["accuracy": .double(12.0), "lat": .double(25.1)]
        let data = try JSONEncoder().encode(sent)
        let received = try JSONDecoder().decode(JSONValue.self, from: data)
        #expect(received == sent)
        #expect(Set([sent]).contains(received))
        #expect(JSONValue.double(12.5) != .int(12))
    }
}
