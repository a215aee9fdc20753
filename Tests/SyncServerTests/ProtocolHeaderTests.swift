import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import SyncModel
import Testing

/// `Bangfu-Protocol-Supported` is on every `/sync/*` response, whatever its status (protocol/README.md §4),
/// and responses are gzipped from the documented size on (§10).
@Suite struct ProtocolHeaderTests {
    static let supported = HTTPField.Name("Bangfu-Protocol-Supported")!

    @Test func everySyncResponseCarriesTheSupportedRange() async throws {
        let fixture = try await ServerFixture.make()
        var noToken = fixture.deviceHeaders
        noToken[.authorization] = nil
        var noProtocol = fixture.deviceHeaders
        noProtocol[HTTPField.Name("Bangfu-Protocol")!] = nil
        var adminOnSync = fixture.deviceHeaders
        adminOnSync[.authorization] = fixture.adminHeaders[.authorization]
        let requests: [(String, HTTPRequest.Method, HTTPFields, ByteBuffer?, HTTPResponse.Status)] = [
            ("/sync/push", .post, fixture.deviceHeaders, try fixture.pushBody([]), .ok),
            ("/sync/push", .post, fixture.deviceHeaders, ByteBuffer(string: "{not json"), .badRequest),
            ("/sync/pull?maxBytes=1", .get, fixture.deviceHeaders, nil, .badRequest),
            ("/sync/pull", .get, noToken, nil, .unauthorized),
            ("/sync/pull", .get, adminOnSync, nil, .forbidden),
            ("/sync/push", .post, fixture.deviceHeaders, ByteBuffer(string: #"{"deviceId":"x","mutations":[]}"#), .forbidden),
            ("/sync/nothing", .get, fixture.deviceHeaders, nil, .notFound),
            ("/sync/push", .post, fixture.deviceHeaders, ByteBuffer(repeating: 0x20, count: 70_000), .contentTooLarge),
            ("/sync/pull", .get, noProtocol, nil, .upgradeRequired),
        ]
        try await fixture.application().test(.router) { client in
            for (uri, method, headers, body, status) in requests {
                try await client.execute(uri: uri, method: method, headers: headers, body: body) { response in
                    #expect(response.status == status, "\(method) \(uri)")
                    #expect(response.headers[Self.supported] == "1-2", "\(method) \(uri) → \(response.status)")
                }
            }
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(response.headers[Self.supported] == nil)
            }
        }
        var saturated = fixture
        saturated.config.maxConcurrentRequests = 0
        try await saturated.application().test(.router) { client in
            try await client.execute(uri: "/sync/pull", method: .get, headers: fixture.deviceHeaders) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(response.headers[Self.supported] == "1-2")
            }
        }
    }

    @Test func bodiesFromAKibibyteOnAreGzippedSmallerOnesAreNot() async throws {
        let fixture = try await ServerFixture.make()
        var headers = fixture.deviceHeaders
        headers[.acceptEncoding] = "gzip"
        let gzipHeaders = headers
        try await fixture.application().test(.router) { client in
            try await client.execute(uri: "/sync/push", method: .post, headers: gzipHeaders,
                                     body: try fixture.pushBody([])) { response in
                #expect(response.body.readableBytes < 1024)
                #expect(response.headers[.contentEncoding] == nil)
            }
            try await client.execute(uri: "/sync/pull", method: .get, headers: gzipHeaders) { response in
                #expect(response.headers[.contentEncoding] == "gzip")
            }
        }
    }
}
