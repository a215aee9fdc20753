import FieldDomain
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import SyncModel
import SyncService
import SyncStore
import SyncTesting
import Testing

/// What an admin does after a refused write, and how an admin sees one helper's households and co-helpers
/// (protocol/README.md §12), region-checked like every admin route.
@Suite struct AdminFollowUpTests {
    static let operatorPrincipal = Principal.admin(id: SyncService.operatorId, role: .operator, region: "")

    /// An admin of a village other than the fixture device's households'.
    static func foreignVillageAdmin(_ fixture: ServerFixture) async throws -> HTTPFields {
        let mine = Set(fixture.households.map { String($0.prefix(12)) })
        let other = try #require(fixture.store.county.households.compactMap(\.scope.villageCode).first { !mine.contains($0) })
        let account = try await fixture.service.createAdmin(name: "外村", role: .village, region: other, by: Self.operatorPrincipal)
        return [.authorization: "Bearer \(account.token)", .contentType: "application/json"]
    }

    @Test func resolvingARejectionStopsCountingItAndIsRegionChecked() async throws {
        let fixture = try await ServerFixture.make()
        let refused: JSONValue = ["seq": 1, "collection": "households", "recordId": .string(fixture.households[0]),
                                  "op": "delete", "stamp": fixture.stamp()]
        let foreign = try await Self.foreignVillageAdmin(fixture)
        try await fixture.application().test(.router) { client in
            try await client.execute(uri: "/sync/push", method: .post, headers: fixture.deviceHeaders,
                                     body: try fixture.pushBody([refused])) { _ in }
            let listed = try await client.execute(uri: "/admin/v1/rejections", method: .get, headers: fixture.adminHeaders) {
                try $0.json().objectValue?["rejections"]?.arrayValue?.first?.objectValue
            }
            let id = try #require(listed?["id"]?.intValue)
            #expect(listed?["resolved"] == false)
            func open() async throws -> Int? {
                try await client.execute(uri: "/admin/v1/devices", method: .get, headers: fixture.adminHeaders) {
                    try $0.json().objectValue?["devices"]?.arrayValue?.first?.objectValue?["rejectedOpen"]?.intValue
                }.map(Int.init)
            }
            #expect(try await open() == 1)
            try await client.execute(uri: "/admin/v1/rejections/\(id)/resolve", method: .post, headers: foreign) { response in
                #expect(response.status == .forbidden)
                #expect(response.errorCode == .forbidden)
            }
            #expect(try await open() == 1, "a refused resolve changed the count")
            for _ in 0..<2 {
                try await client.execute(uri: "/admin/v1/rejections/\(id)/resolve", method: .post,
                                         headers: fixture.adminHeaders) { response in
                    #expect(response.status == .ok)
                    let body = try response.json().objectValue
                    #expect(body?["resolved"] == true && body?["id"]?.intValue == id && body?["code"] == "forbidden")
                }
            }
            #expect(try await open() == 0)
            for (uri, status) in [("/admin/v1/rejections/999999/resolve", HTTPResponse.Status.notFound),
                                  ("/admin/v1/rejections/abc/resolve", .badRequest),
                                  ("/admin/v1/rejections/0/resolve", .badRequest)] {
                try await client.execute(uri: uri, method: .post, headers: fixture.adminHeaders) { response in
                    #expect(response.status == status, "\(uri)")
                }
            }
        }
    }

    @Test func helperDetailListsHouseholdsWithTheirCoHelpers() async throws {
        let fixture = try await ServerFixture.make()
        let household = fixture.households[0]
        let (coHelper, _) = try fixture.store.helper(skipping: [fixture.helperId])
        _ = try await fixture.service.assign(household: household, helper: coHelper, replacing: nil, by: Self.operatorPrincipal)
        let foreign = try await Self.foreignVillageAdmin(fixture)
        try await fixture.application().test(.router) { client in
            let detail = try await client.execute(uri: "/admin/v1/helpers/\(fixture.helperId)", method: .get,
                                                  headers: fixture.adminHeaders) { response in
                #expect(response.status == .ok)
                return try response.decode(HelperDetail.self)
            }
            #expect(detail.id == fixture.helperId && !detail.name.isEmpty)
            #expect(detail.households.map(\.id) == fixture.households.sorted())
            let shared = try #require(detail.households.first { $0.id == household })
            #expect(shared.helpers == [fixture.helperId, coHelper].sorted())
            #expect(shared.villageCode == String(household.prefix(12)))
            #expect(detail.households.filter { $0.id != household }.allSatisfy { $0.helpers.contains(fixture.helperId) })
            try await client.execute(uri: "/admin/v1/helpers/\(fixture.helperId)", method: .get, headers: foreign) { response in
                #expect(response.status == .forbidden)
            }
            try await client.execute(uri: "/admin/v1/helpers/hp-nobody", method: .get, headers: fixture.adminHeaders) { response in
                #expect(response.status == .notFound)
                #expect(response.errorCode == .notFound)
            }
        }
    }
}
