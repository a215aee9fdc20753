import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SyncModel
import SyncService
import Testing

/// The `Authorization` header as RFC 7235 reads it: the scheme name is case-insensitive, and a device token
/// on an admin route is refused with 403 `forbidden` whatever the spelling (protocol/README.md §5).
@Suite struct BearerSchemeTests {
    @Test(arguments: [
        ("Bearer abc", "abc"), ("bearer abc", "abc"), ("BEARER abc", "abc"), ("bEaReR   abc", "abc"),
        ("Bearer", nil), ("Bearer ", nil), ("Bearerabc", nil), ("Basic abc", nil), ("", nil),
    ] as [(String, String?)])
    func schemeIsCaseInsensitive(_ header: String, _ token: String?) {
        #expect(BearerCredential.parse(header) == token)
    }

    @Test func lowercaseSchemeWorksForDevicesAndAdmins() async throws {
        let fixture = try await ServerFixture.make()
        var device = fixture.deviceHeaders
        device[.authorization] = "bearer \(fixture.enrollment.token)"
        var admin = fixture.adminHeaders
        admin[.authorization] = "BEARER \(fixture.config.adminToken ?? "")"
        let (deviceHeaders, adminHeaders) = (device, admin)
        try await fixture.application().test(.router) { client in
            try await client.execute(uri: "/sync/pull", method: .get, headers: deviceHeaders) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/admin/v1/devices", method: .get, headers: adminHeaders) { response in
                #expect(response.status == .ok)
            }
        }
    }

    @Test(arguments: ["Bearer", "bearer", "BEARER"])
    func deviceTokenOnAdminRouteIsForbidden(_ scheme: String) async throws {
        let fixture = try await ServerFixture.make()
        var headers = fixture.adminHeaders
        headers[.authorization] = "\(scheme) \(fixture.enrollment.token)"
        let deviceOnAdmin = headers
        try await fixture.application().test(.router) { client in
            for uri in ["/admin/v1/devices", "/admin/v1/helpers", "/admin/v1/rejections", "/admin/v1/conflicts"] {
                try await client.execute(uri: uri, method: .get, headers: deviceOnAdmin) { response in
                    #expect(response.status == .forbidden, "\(uri)")
                    #expect(response.errorCode == .forbidden, "\(uri)")
                }
            }
        }
    }

    @Test func anotherSchemeIsAMissingBearerToken() async throws {
        let fixture = try await ServerFixture.make()
        try await fixture.application().test(.router) { client in
            for (uri, base) in [("/sync/pull", fixture.deviceHeaders), ("/admin/v1/devices", fixture.adminHeaders)] {
                var headers = base
                headers[.authorization] = "Basic dXNlcjpwYXNz"
                try await client.execute(uri: uri, method: .get, headers: headers) { response in
                    #expect(response.status == .unauthorized, "\(uri)")
                    #expect(response.errorCode == .tokenMissing, "\(uri)")
                }
            }
        }
    }
}
