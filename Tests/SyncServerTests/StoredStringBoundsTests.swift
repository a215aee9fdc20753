import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import SyncModel
import SyncService
import SyncTesting
import Testing

/// Every free-text string a device or an admin sends and the server stores is bounded, with a stable code
/// (protocol/README.md §10): one phone cannot grow the database by more than it uploads.
@Suite struct StoredStringBoundsTests {
    static let clientVersionHeader = HTTPField.Name("Bangfu-Client-Version")!

    @Test func clientVersionOverTheLimitIsRefusedAndNotStored() async throws {
        let fixture = try await ServerFixture.make()
        let deviceId = fixture.enrollment.deviceId
        @Sendable func body(_ clientVersion: String) -> ByteBuffer {
            ByteBuffer(data: try! JSONEncoder().encode(
                ["deviceId": .string(deviceId), "clientVersion": .string(clientVersion), "mutations": []] as JSONValue))
        }
        let longest = String(repeating: "版", count: 42) + "12"  // 128 bytes of UTF-8
        try await fixture.application().test(.router) { client in
            try await client.execute(uri: "/sync/push", method: .post, headers: fixture.deviceHeaders,
                                     body: body(longest + "x")) { response in
                #expect(response.status == .badRequest)
                #expect(response.errorCode == .invalidRequest)
            }
            var headers = fixture.deviceHeaders
            headers[Self.clientVersionHeader] = String(repeating: "v", count: 129)
            try await client.execute(uri: "/sync/pull", method: .get, headers: headers) { response in
                #expect(response.status == .badRequest)
                #expect(response.errorCode == .invalidRequest)
            }
            #expect(try await fixture.service.deviceStates().devices.first?.clientVersion == nil)
            try await client.execute(uri: "/sync/push", method: .post, headers: fixture.deviceHeaders,
                                     body: body(longest)) { response in
                #expect(response.status == .ok)
            }
            #expect(try await fixture.service.deviceStates().devices.first?.clientVersion == longest)
        }
    }

    @Test func aHugeRefusedEntryIsKeptAsASummaryAndALongFieldNameIsCut() async throws {
        var large = try await ServerFixture.make()
        large.config.maxBodyBytes = 4 * 1024 * 1024
        let fixture = large
        let notes = String(repeating: "走访", count: 200_000)  // 1.2 MB
        let longName = String(repeating: "a", count: 5_000)
        let entries: [JSONValue] = [
            ["seq": 1, "collection": "visits", "recordId": "d23f0824-128b-4f33-8c5c-7fd0a6a3a450", "op": "set",
             "fields": ["notes": .string(notes)], "stamp": fixture.stamp()],
            ["seq": 2, "collection": "households", "recordId": .string(fixture.households[0]), "op": "set",
             "fields": [longName: true], "stamp": fixture.stamp(1)],
            ["seq": 3, "collection": "households", "recordId": .string(fixture.households[0]), "op": "set",
             "fields": ["foodSecure": true], "stamp": fixture.stamp(2)],
        ]
        let body = try fixture.pushBody(entries)
        let app = fixture.application()
        try await app.test(.router) { client in
            let push = try await client.execute(uri: "/sync/push", method: .post, headers: fixture.deviceHeaders,
                                                body: body) { try $0.decode(PushResponse.self) }
            #expect(push.results.map(\.status) == [.rejected, .rejected, .applied])
            #expect(push.results[0].code == .visitImmutable)
            #expect(push.results[1].field == String(repeating: "a", count: 64))
        }
        let kept = try await fixture.service.rejections(deviceId: fixture.enrollment.deviceId, limit: 10)
        #expect(kept.count == 2)
        let summary = try #require(kept.first { $0.seq == 1 }?.mutation.objectValue)
        #expect(summary["omittedBytes"]?.intValue ?? 0 > 1_000_000)
        #expect(summary["recordId"]?.stringValue == "d23f0824-128b-4f33-8c5c-7fd0a6a3a450")
        #expect(summary["fieldNames"] == ["notes"])
        #expect(summary["fields"] == nil)
        #expect(JSONWriter.bytes(.object(summary)).count < 1024)
        #expect(kept.first { $0.seq == 2 }?.field?.utf8.count == 64)
    }

    @Test func labelIsBoundedInCodePointsOnEveryEnrolmentPath() async throws {
        let fixture = try await ServerFixture.make()
        _ = try await fixture.service.enroll(helperId: fixture.helperId, label: String(repeating: "机", count: 100),
                                             expiresInDays: 1)
        // One character with a thousand combining marks is one `Character` but a thousand code points.
        let stacked = "e" + String(repeating: "\u{301}", count: 1_000)
        for label in [String(repeating: "机", count: 101), stacked] {
            await #expect(throws: ServiceError(.invalidRequest, "label 最多100个字符 (label is at most 100 characters)")) {
                _ = try await fixture.service.enroll(helperId: fixture.helperId, label: label, expiresInDays: 1)
            }
        }
        let body = ByteBuffer(data: try JSONEncoder().encode(
            ["helperId": .string(fixture.helperId), "label": .string(stacked)] as JSONValue))
        try await fixture.application().test(.router) { client in
            try await client.execute(uri: "/admin/v1/devices", method: .post, headers: fixture.adminHeaders,
                                     body: body) { response in
                #expect(response.status == .badRequest)
                #expect(response.errorCode == .invalidRequest)
            }
        }
    }
}
