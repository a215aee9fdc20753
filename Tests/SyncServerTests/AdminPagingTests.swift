import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SyncModel
import Testing

/// Paging parameters outside their documented range are refused with 400 `invalid_request`, never clamped
/// (protocol/README.md §12).
@Suite struct AdminPagingTests {
    @Test(arguments: ["/admin/v1/helpers", "/admin/v1/rejections"])
    func limitOutsideOneToAThousandIsRefused(_ path: String) async throws {
        let fixture = try await ServerFixture.make()
        try await fixture.application().test(.router) { client in
            for query in ["limit=0", "limit=1001", "limit=-1", "limit=ten", "limit="] {
                try await client.execute(uri: "\(path)?\(query)", method: .get, headers: fixture.adminHeaders) { response in
                    #expect(response.status == .badRequest, "\(path)?\(query)")
                    #expect(response.errorCode == .invalidRequest, "\(path)?\(query)")
                }
            }
            for query in ["limit=1", "limit=1000", ""] {
                try await client.execute(uri: "\(path)?\(query)", method: .get, headers: fixture.adminHeaders) { response in
                    #expect(response.status == .ok, "\(path)?\(query)")
                }
            }
        }
    }

    @Test func helpersOffsetMustBeNonNegativeAndLimitIsHonoured() async throws {
        let fixture = try await ServerFixture.make()
        try await fixture.application().test(.router) { client in
            try await client.execute(uri: "/admin/v1/helpers?offset=-1", method: .get, headers: fixture.adminHeaders) { response in
                #expect(response.status == .badRequest)
                #expect(response.errorCode == .invalidRequest)
            }
            try await client.execute(uri: "/admin/v1/helpers?limit=1&offset=1", method: .get, headers: fixture.adminHeaders) { response in
                #expect(response.status == .ok)
                let helpers = try response.json().objectValue?["helpers"]?.arrayValue
                #expect(helpers?.count == 1)
            }
        }
    }
}
