import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import SyncModel
import Testing

/// A request body with a duplicate member name is `400 malformed_json` on every route that reads JSON, and
/// nothing in it is applied (protocol/README.md §10).
@Suite struct DuplicateMemberTests {
    @Test func duplicateNamesAreRefusedOnEveryRouteThatReadsJSON() async throws {
        let fixture = try await ServerFixture.make()
        let device = fixture.enrollment.deviceId
        let household = fixture.households[0]
        let stamp = fixture.stamp().stringValue ?? ""
        let entry = #"{"seq":1,"collection":"households","recordId":"\#(household)","op":"set","fields":{"foodSecure":true,"foodSecure":false},"stamp":"\#(stamp)"}"#
        let bodies: [(String, HTTPFields, String)] = [
            ("/sync/push", fixture.deviceHeaders, #"{"deviceId":"\#(device)","mutations":[\#(entry)]}"#),
            ("/sync/push", fixture.deviceHeaders, #"{"deviceId":"\#(device)","deviceId":"\#(device)","mutations":[]}"#),
            ("/sync/integrity", fixture.deviceHeaders, #"{"households":{},"households":{},"other":"0000000000000000"}"#),
            ("/admin/v1/devices", fixture.adminHeaders, #"{"helperId":"\#(fixture.helperId)","helperId":"hp-other"}"#),
            ("/admin/v1/assignments", fixture.adminHeaders,
             #"{"householdId":"\#(household)","helperId":"\#(fixture.helperId)","helperId":"x"}"#),
            ("/admin/v1/admins", fixture.adminHeaders, #"{"name":"甲","role":"county","role":"village","region":"522327"}"#),
            ("/admin/v1/conflicts/cf.x.1/resolve", fixture.adminHeaders, #"{"choice":"existing","reason":"a","reason":"b"}"#),
        ]
        let head = try await fixture.service.store.headVersion()
        try await fixture.application().test(.router) { client in
            for (uri, headers, body) in bodies {
                try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: body)) { response in
                    #expect(response.status == .badRequest, "\(uri)")
                    #expect(response.errorCode == .malformedJSON, "\(uri)")
                }
            }
        }
        #expect(try await fixture.service.store.headVersion() == head)
        #expect(try await fixture.service.deviceStates().devices.count == 1)
    }
}
