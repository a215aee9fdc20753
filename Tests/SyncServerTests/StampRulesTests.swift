import Foundation
import Hummingbird
import HummingbirdTesting
import SyncModel
import Testing

/// What the server does with a pushed stamp (protocol/README.md §3): its node must be the pushing device,
/// and a stamp sent without the 15-digit padding comes back padded.
@Suite struct StampRulesTests {
    @Test func stampOfAnotherNodeIsInvalidStampAndTheRestApplies() async throws {
        let fixture = try await ServerFixture.make()
        let physical = fixture.clock.now() - 60_000
        let household = fixture.households[0]
        func set(_ seq: Int64, node: String) -> JSONValue {
            ["seq": .int(seq), "collection": "households", "recordId": .string(household), "op": "set",
             "fields": ["foodSecure": true], "stamp": .string(HLCTimestamp(physical: physical, logical: UInt32(seq), node: node).wireValue)]
        }
        let body = try fixture.pushBody([set(1, node: "6513270e-269e-4d37-b2a7-4de452e6b438"), set(2, node: "admin"),
                                         set(3, node: fixture.enrollment.deviceId)])
        try await fixture.application().test(.router) { client in
            let push = try await client.execute(uri: "/sync/push", method: .post, headers: fixture.deviceHeaders,
                                                body: body) { try $0.decode(PushResponse.self) }
            #expect(push.results.map(\.status) == [.rejected, .rejected, .applied])
            #expect(push.results.prefix(2).allSatisfy { $0.code == .invalidStamp && $0.field == "stamp" })
            #expect(push.lastAppliedSeq == 3)
        }
    }

    @Test func unpaddedStampIsAcceptedAndPulledBackPadded() async throws {
        let fixture = try await ServerFixture.make()
        let physical = fixture.clock.now() - 60_000
        let unpadded = "\(physical)-0-\(fixture.enrollment.deviceId)"
        #expect(String(physical).count < 15)
        let household = fixture.households[0]
        let entry: JSONValue = ["seq": 1, "collection": "households", "recordId": .string(household), "op": "set",
                                "fields": ["foodSecure": false], "stamp": .string(unpadded)]
        try await fixture.application().test(.router) { client in
            let push = try await client.execute(uri: "/sync/push", method: .post, headers: fixture.deviceHeaders,
                                                body: try fixture.pushBody([entry])) { try $0.decode(PushResponse.self) }
            #expect(push.results.first?.status == .applied)
            // Read as text: the wire form is what is specified, not how HLCTimestamp parses it.
            let page = try await client.execute(uri: "/sync/pull", method: .get, headers: fixture.deviceHeaders) {
                try $0.json()
            }
            let change = page.objectValue?["changes"]?.arrayValue?.first {
                $0.objectValue?["recordId"]?.stringValue == household && $0.objectValue?["collection"] == "households"
            }
            let stamp = change?.objectValue?["stamps"]?.objectValue?["foodSecure"]?.stringValue
            #expect(stamp == String(repeating: "0", count: 15 - String(physical).count) + unpadded)
        }
    }
}
