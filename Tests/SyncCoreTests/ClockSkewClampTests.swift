import SyncEngine
import SyncModel
import Testing

@Suite struct ClockSkewClampTests {
    let clamp = ClockSkewClamp(maxSkewMs: 300_000)

    @Test func stampWithinTheBoundIsKept() {
        let stamp = HLCTimestamp(physical: 1_000_000 + 299_000, logical: 3, node: "dev")
        let result = clamp.clamp(stamp, serverNow: 1_000_000)
        #expect(result.stamp == stamp)
        #expect(!result.clamped)
    }

    @Test func stampYearsAheadIsClampedToServerTime() {
        let stamp = HLCTimestamp(physical: 1_000_000 + 3 * 365 * 86_400_000, logical: 3, node: "dev")
        let result = clamp.clamp(stamp, serverNow: 1_000_000)
        #expect(result.clamped)
        #expect(result.stamp == HLCTimestamp(physical: 1_000_000, logical: 3, node: "dev"))
    }
}
