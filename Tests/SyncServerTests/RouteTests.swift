import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import CompressNIO
import NIOCore
import NIOFoundationCompat
import SyncModel
import SyncServer
import SyncService
import SyncTesting
import Testing

/// The HTTP edge in process: status codes, stable error bodies, auth, limits, compression.
@Suite struct RouteTests {
    @Test func healthAnswersWithTheSupportedProtocolRange() async throws {
        let fixture = try await ServerFixture.make()
        try await fixture.application().test(.router) { client in
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(response.status == .ok)
                let expected: JSONValue = ["status": "ok", "protocol": ["min": 1, "max": 2]]
                let json = try response.json()
                #expect(json == expected)
            }
        }
    }

    @Test func pushWithoutProtocolHeaderGets426() async throws {
        let fixture = try await ServerFixture.make()
        var missing = fixture.deviceHeaders
        missing[HTTPField.Name("Bangfu-Protocol")!] = nil
        var future = fixture.deviceHeaders
        future[HTTPField.Name("Bangfu-Protocol")!] = String(ProtocolVersion.supported.upperBound + 1)
        let headers = missing
        let futureHeaders = future
        try await fixture.application().test(.router) { client in
            try await client.execute(uri: "/sync/push", method: .post, headers: headers, body: try fixture.pushBody([])) { response in
                #expect(response.status == .upgradeRequired)
                #expect(response.errorCode == .protocolUnsupported)
                #expect(response.headers[HTTPField.Name("Bangfu-Protocol-Supported")!] == "1-2")
            }
            try await client.execute(uri: "/sync/pull", method: .get, headers: futureHeaders) { response in
                #expect(response.status == .upgradeRequired)
            }
        }
    }

    @Test(arguments: [
        (nil, ErrorCode.tokenMissing),
        ("Bearer bft1.00000000-0000-4000-8000-000000000000.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", .tokenInvalid),
        ("Bearer not-a-token", .tokenInvalid),
        ("Basic dXNlcjpwYXNz", .tokenMissing),
    ] as [(String?, ErrorCode)])
    func missingOrForgedTokenGets401(_ authorization: String?, _ code: ErrorCode) async throws {
        let fixture = try await ServerFixture.make()
        var modified = fixture.deviceHeaders
        modified[.authorization] = authorization
        let headers = modified
        try await fixture.application().test(.router) { client in
            try await client.execute(uri: "/sync/pull", method: .get, headers: headers) { response in
                #expect(response.status == .unauthorized)
                #expect(response.errorCode == code)
            }
        }
    }

    @Test func tamperedSecretOfARealDeviceGets401() async throws {
        let fixture = try await ServerFixture.make()
        var modified = fixture.deviceHeaders
        var token = fixture.enrollment.token
        let last = token.removeLast()
        token.append(last == "A" ? "B" : "A")
        modified[.authorization] = "Bearer \(token)"
        let headers = modified
        try await fixture.application().test(.router) { client in
            try await client.execute(uri: "/sync/pull", method: .get, headers: headers) { response in
                #expect(response.status == .unauthorized)
                #expect(response.errorCode == .tokenInvalid)
            }
        }
    }

    @Test func expiredTokenGets401TokenExpired() async throws {
        let fixture = try await ServerFixture.make()
        fixture.clock.advance(by: 31 * 86_400_000)
        try await fixture.application().test(.router) { client in
            try await client.execute(uri: "/sync/pull", method: .get, headers: fixture.deviceHeaders) { response in
                #expect(response.status == .unauthorized)
                #expect(response.errorCode == .tokenExpired)
            }
        }
    }

    @Test func pushUnderAnotherDeviceIdGets403() async throws {
        let fixture = try await ServerFixture.make()
        let body = ByteBuffer(string: #"{"deviceId":"someone-else","mutations":[]}"#)
        try await fixture.application().test(.router) { client in
            try await client.execute(uri: "/sync/push", method: .post, headers: fixture.deviceHeaders, body: body) { response in
                #expect(response.status == .forbidden)
                #expect(response.errorCode == .deviceMismatch)
            }
        }
    }

    @Test(arguments: ["{not json", #"{"deviceId": 5, "mutations": []}"#, #"{"mutations": []}"#, "[]", ""])
    func malformedBodyGets400MalformedJSON(_ body: String) async throws {
        let fixture = try await ServerFixture.make()
        try await fixture.application().test(.router) { client in
            try await client.execute(uri: "/sync/push", method: .post, headers: fixture.deviceHeaders,
                                     body: ByteBuffer(string: body)) { response in
                #expect(response.status == .badRequest)
                #expect(response.errorCode == .malformedJSON)
            }
        }
    }

    @Test func oversizedBodyGets413AndNothingIsApplied() async throws {
        let fixture = try await ServerFixture.make()
        let notes = String(repeating: "很", count: 30_000)
        let visit: JSONValue = ["seq": 1, "collection": "visits", "recordId": "v-big", "op": "create",
                                "fields": ["kind": "household", "householdId": .string(fixture.households[0]),
                                           "visitedAt": "2026-11-20T09:30:00+08:00", "notes": .string(notes)],
                                "stamp": fixture.stamp()]
        try await fixture.application().test(.router) { client in
            try await client.execute(uri: "/sync/push", method: .post, headers: fixture.deviceHeaders,
                                     body: try fixture.pushBody([visit])) { response in
                #expect(response.status == .contentTooLarge)
                #expect(response.errorCode == .bodyTooLarge)
            }
        }
        #expect(try await fixture.service.store.record(.init(.visits, "v-big")) == nil)
    }

    @Test func batchWithWrongTypesRejectsThoseEntriesAndAppliesTheRest() async throws {
        let fixture = try await ServerFixture.make()
        let household = fixture.households[0]
        let mutations: [JSONValue] = [
            ["seq": 1, "collection": "households", "recordId": .string(household), "op": "set",
             "fields": ["incomeWage": "a lot"], "stamp": fixture.stamp(0)],
            ["seq": 2, "collection": "households", "recordId": .string(household), "op": "set",
             "fields": ["incomeWage": 15000], "stamp": fixture.stamp(1)],
            ["seq": "3", "collection": "households"],
            ["seq": 3, "collection": "households", "recordId": .string(household), "op": "set",
             "fields": ["phone": "12345"], "stamp": fixture.stamp(2)],
        ]
        try await fixture.application().test(.router) { client in
            try await client.execute(uri: "/sync/push", method: .post, headers: fixture.deviceHeaders,
                                     body: try fixture.pushBody(mutations)) { response in
                #expect(response.status == .ok)
                let push = try response.decode(PushResponse.self)
                #expect(push.results.map(\.status) == [.rejected, .applied, .rejected, .rejected])
                #expect(push.results[0].code == .invalidType && push.results[0].field == "incomeWage")
                #expect(push.results[2].code == .malformedMutation && push.results[2].seq == nil)
                #expect(push.results[3].code == .invalidPhone)
                #expect(push.lastAppliedSeq == 3)
            }
        }
        let stored = try await fixture.service.store.record(.init(.households, household))
        #expect(stored?.fields["incomeWage"] == .int(15000))
    }

    @Test func pullPagesAreGzippedWhenAskedAndDecodeToTheSameChanges() async throws {
        let fixture = try await ServerFixture.make()
        var modified = fixture.deviceHeaders
        modified[.acceptEncoding] = "gzip"
        let gzipHeaders = modified
        try await fixture.application().test(.router) { client in
            let plain = try await client.execute(uri: "/sync/pull?maxBytes=8192", method: .get,
                                                 headers: fixture.deviceHeaders) { response in
                #expect(response.headers[.contentEncoding] == nil)
                return try response.decode(PullResponse.self)
            }
            try await client.execute(uri: "/sync/pull?maxBytes=8192", method: .get, headers: gzipHeaders) { response in
                #expect(response.headers[.contentEncoding] == "gzip")
                var body = response.body
                let inflated = try body.decompress(with: .gzip())
                let decoded = try JSONDecoder().decode(PullResponse.self, from: Data(buffer: inflated))
                #expect(decoded.changes == plain.changes && decoded.cursor == plain.cursor)
            }
        }
    }

    @Test(arguments: ["garbage", "c1.!!", "c2.10", "c3.1.1", "c2.1.!"])
    func foreignCursorGets400InvalidCursor(_ cursor: String) async throws {
        let fixture = try await ServerFixture.make()
        try await fixture.application().test(.router) { client in
            try await client.execute(uri: "/sync/pull?cursor=\(cursor)", method: .get, headers: fixture.deviceHeaders) { response in
                #expect(response.status == .badRequest)
                #expect(response.errorCode == .invalidCursor)
            }
            try await client.execute(uri: "/sync/pull?maxBytes=12", method: .get, headers: fixture.deviceHeaders) { response in
                #expect(response.errorCode == .invalidRequest)
            }
        }
    }

    @Test func unknownRouteGetsStableNotFound() async throws {
        let fixture = try await ServerFixture.make()
        try await fixture.application().test(.router) { client in
            try await client.execute(uri: "/sync/nothing", method: .get, headers: fixture.deviceHeaders) { response in
                #expect(response.status == .notFound)
                #expect(response.errorCode == .notFound)
            }
        }
    }

    @Test func adminRoutesNeedTheAdminToken() async throws {
        let fixture = try await ServerFixture.make()
        try await fixture.application().test(.router) { client in
            // A device token on an admin route, and the admin token on a device route: 403 forbidden.
            try await client.execute(uri: "/admin/v1/devices", method: .get, headers: fixture.deviceHeaders) { response in
                #expect(response.status == .forbidden)
                #expect(response.errorCode == .forbidden)
            }
            var adminOnSync = fixture.deviceHeaders
            adminOnSync[.authorization] = fixture.adminHeaders[.authorization]
            try await client.execute(uri: "/sync/pull", method: .get, headers: adminOnSync) { response in
                #expect(response.status == .forbidden)
                #expect(response.errorCode == .forbidden)
            }
            try await client.execute(uri: "/admin/v1/devices", method: .get, headers: fixture.adminHeaders) { response in
                #expect(response.status == .ok)
                let json = try response.json()
                #expect(json.objectValue?["devices"]?.arrayValue?.count == 1)
            }
        }
        let disabled = try await ServerFixture.make(adminToken: nil)
        try await disabled.application().test(.router) { client in
            try await client.execute(uri: "/admin/v1/helpers", method: .get, headers: disabled.adminHeaders) { response in
                #expect(response.status == .forbidden)
                #expect(response.errorCode == .forbidden)
            }
        }
    }

    @Test func enrolmentThroughTheAdminAPIIssuesAWorkingToken() async throws {
        let fixture = try await ServerFixture.make()
        let body = ByteBuffer(string: #"{"helperId":"\#(fixture.helperId)","label":"二号机"}"#)
        try await fixture.application().test(.router) { client in
            let token = try await client.execute(uri: "/admin/v1/devices", method: .post, headers: fixture.adminHeaders,
                                                 body: body) { response in
                #expect(response.status == .created)
                return try response.json().objectValue?["token"]?.stringValue
            }
            var modified = fixture.deviceHeaders
            modified[.authorization] = "Bearer \(token ?? "")"
            let headers = modified
            try await client.execute(uri: "/sync/pull", method: .get, headers: headers) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/admin/v1/devices", method: .post, headers: fixture.adminHeaders,
                                     body: ByteBuffer(string: #"{"helperId":"hp-nobody"}"#)) { response in
                #expect(response.status == .notFound)
            }
        }
    }

    @Test func rejectionsListedForAdminsMaskIDNumbers() async throws {
        let fixture = try await ServerFixture.make()
        let member: JSONValue = ["seq": 1, "collection": "members", "recordId": "m-bad", "op": "create",
                                 "fields": ["householdId": .string(fixture.households[0]), "name": "李四",
                                            "relation": "child", "idNumber": "110105194912310021"],
                                 "stamp": fixture.stamp()]
        try await fixture.application().test(.router) { client in
            try await client.execute(uri: "/sync/push", method: .post, headers: fixture.deviceHeaders,
                                     body: try fixture.pushBody([member])) { response in
                let push = try response.decode(PushResponse.self)
                #expect(push.results.first?.code == .invalidIdNumber)
            }
            try await client.execute(uri: "/admin/v1/rejections", method: .get, headers: fixture.adminHeaders) { response in
                let text = String(buffer: response.body)
                #expect(!text.contains("110105194912310021"))
                #expect(text.contains("1101**********0021"))
            }
        }
    }

    @Test func tooManyEntriesOrHostileNestingGet400AndNothingApplies() async throws {
        let fixture = try await ServerFixture.make()
        let entries = String(repeating: #"{"seq":1},"#, count: 1001).dropLast()
        let tooMany = ByteBuffer(string: #"{"deviceId":"\#(fixture.enrollment.deviceId)","mutations":[\#(entries)]}"#)
        let deep = ByteBuffer(string: #"{"deviceId":"\#(fixture.enrollment.deviceId)","mutations":[],"x":"#
            + String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000) + "}")
        let head = try await fixture.service.store.headVersion()
        try await fixture.application().test(.router) { client in
            try await client.execute(uri: "/sync/push", method: .post, headers: fixture.deviceHeaders, body: tooMany) { response in
                #expect(response.status == .badRequest)
                #expect(response.errorCode == .invalidRequest)
            }
            try await client.execute(uri: "/sync/push", method: .post, headers: fixture.deviceHeaders, body: deep) { response in
                #expect(response.status == .badRequest)
                #expect(response.errorCode == .malformedJSON)
            }
        }
        #expect(try await fixture.service.store.headVersion() == head)
    }
}
