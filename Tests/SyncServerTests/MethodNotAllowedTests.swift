import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SyncModel
import SyncServer
import Testing

/// A known path called with a method it does not have answers `405 method_not_allowed` with `Allow`
/// (protocol/README.md §9.1); an unknown path stays `404 not_found`.
@Suite struct MethodNotAllowedTests {
    @Test func wrongMethodOnAKnownPathGets405WithAllow() async throws {
        let fixture = try await ServerFixture.make()
        let cases: [(String, HTTPRequest.Method, String)] = [
            ("/sync/pull", .post, "GET"), ("/sync/push", .get, "POST"), ("/sync/push", .put, "POST"),
            ("/health", .delete, "GET"), ("/admin/v1/helpers", .delete, "GET"),
            ("/admin/v1/devices", .put, "GET, POST"),
            ("/admin/v1/records/members/5223270010010001-04", .put, "DELETE, GET"),
            ("/admin/v1/conflicts/cf.x.1/resolve", .get, "POST"),
        ]
        try await fixture.application().test(.router) { client in
            for (uri, method, allow) in cases {
                try await client.execute(uri: uri, method: method, headers: fixture.adminHeaders) { response in
                    #expect(response.status == .methodNotAllowed, "\(method) \(uri)")
                    #expect(response.errorCode == .methodNotAllowed, "\(method) \(uri)")
                    #expect(response.headers[.allow] == allow, "\(method) \(uri)")
                }
            }
            try await client.execute(uri: "/sync/pull", method: .post, headers: fixture.deviceHeaders) { response in
                #expect(response.headers[HTTPField.Name("Bangfu-Protocol-Supported")!] == "1-2")
            }
            for uri in ["/sync/nothing", "/admin/v1/nothing", "/admin/v1/records/members"] {
                try await client.execute(uri: uri, method: .get, headers: fixture.adminHeaders) { response in
                    #expect(response.status == .notFound, "\(uri)")
                    #expect(response.errorCode == .notFound, "\(uri)")
                }
            }
        }
    }

    @Test func everyRouteAnswers405ForEveryOtherMethod() async throws {
        let fixture = try await ServerFixture.make()
        let routes = SyncServerApplication.router(service: fixture.service, config: fixture.config).routes
        var methodsByPath: [String: Set<String>] = [:]
        for route in routes {
            let path = "/" + route.path.map { element in
                let text = "\(element)"
                return text.hasPrefix(":") || text.hasPrefix("{") ? "x1" : text
            }.joined(separator: "/")
            methodsByPath[path, default: []].insert(route.method.rawValue)
        }
        #expect(methodsByPath.count >= 15)
        let all: [HTTPRequest.Method] = [.get, .post, .put, .delete, .patch]
        let table = methodsByPath
        try await fixture.application().test(.router) { client in
            for (path, allowed) in table {
                for method in all where !allowed.contains(method.rawValue) {
                    try await client.execute(uri: path, method: method, headers: fixture.adminHeaders) { response in
                        #expect(response.status == .methodNotAllowed, "\(method) \(path)")
                        #expect(response.headers[.allow] == allowed.sorted().joined(separator: ", "), "\(method) \(path)")
                    }
                }
            }
        }
    }
}
