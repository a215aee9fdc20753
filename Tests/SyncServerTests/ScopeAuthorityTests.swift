import FieldDomain
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import SyncClient
import SyncModel
import SyncService
import SyncStore
import SyncTesting
import Testing

/// What a region admin may reach through helpers, phones and other accounts, and what survives compaction:
/// the defects a second review of issue 7 found, each pinned by the test that failed before its fix.
@Suite struct ScopeAuthorityTests {
    static let operatorPrincipal = Principal.admin(id: SyncService.operatorId, role: .operator, region: "")

    /// A village admin could read another village: assign one of its households to a helper from elsewhere
    /// (or pick a helper who also works elsewhere), enrol a device for that helper and pull.
    @Test func villageAdminCannotReachHelpersWorkingOutsideItsVillage() async throws {
        let fixture = try await ServerFixture.make()
        let county = fixture.store.county
        let mine = try #require(county.households.first?.scope.villageCode)
        var villagesOf: [String: Set<String>] = [:]
        for assignment in county.assignments {
            guard let helper = assignment.scope.helperId, let household = assignment.scope.householdId else { continue }
            villagesOf[helper, default: []].insert(String(household.prefix(12)))
        }
        let stranger = try #require(villagesOf.keys.sorted().first { !villagesOf[$0]!.contains(mine) })
        let local = try #require(villagesOf.keys.sorted().first { villagesOf[$0] == [mine] })
        let myHousehold = try #require(county.households.first { $0.scope.villageCode == mine }).id
        let account = try await fixture.service.createAdmin(name: "村支书", role: .village, region: mine, by: Self.operatorPrincipal)
        let village: HTTPFields = [.authorization: "Bearer \(account.token)", .contentType: "application/json"]
        try await fixture.application().test(.router) { client in
            let assign = ByteBuffer(string: #"{"householdId":"\#(myHousehold)","helperId":"\#(stranger)"}"#)
            try await client.execute(uri: "/admin/v1/assignments", method: .post, headers: village, body: assign) { response in
                #expect(response.status == .forbidden)
                #expect(response.errorCode == .forbidden)
            }
            let enroll = ByteBuffer(string: #"{"helperId":"\#(stranger)"}"#)
            try await client.execute(uri: "/admin/v1/devices", method: .post, headers: village, body: enroll) { response in
                #expect(response.status == .forbidden)
            }
            // A helper whose households all lie in the village is the admin's to enrol.
            let own = ByteBuffer(string: #"{"helperId":"\#(local)"}"#)
            try await client.execute(uri: "/admin/v1/devices", method: .post, headers: village, body: own) { response in
                #expect(response.status == .created)
            }
        }
        #expect(try await fixture.service.store.record(RecordKey(.assignments, "\(stranger):\(myHousehold)")) == nil,
                "the refused assignment was written")
    }

    /// Disabling an admin account stops its phones at once, not when their tokens expire.
    @Test func disabledAdminsPhoneStopsWorking() async throws {
        let fixture = try await ServerFixture.make()
        let county = String(try #require(fixture.store.county.households.first?.scope.villageCode).prefix(6))
        let account = try await fixture.service.createAdmin(name: "县干部", role: .county, region: county, by: Self.operatorPrincipal)
        let phone = try await fixture.service.enrollAdminDevice(adminId: account.account.id, label: nil, expiresInDays: 365,
                                                                by: Self.operatorPrincipal)
        _ = try await fixture.service.authenticate(authorization: "Bearer \(phone.token)")
        _ = try await fixture.service.disableAdmin(id: account.account.id, by: Self.operatorPrincipal)
        await #expect(throws: ServiceError(.tokenInvalid, "管理员账号已停用 (the admin account of this phone is disabled)")) {
            _ = try await fixture.service.authenticate(authorization: "Bearer \(phone.token)")
        }
    }

    /// Admins of one level neither disable nor enrol phones for each other; a higher level does.
    @Test func peerAdminsCannotManageEachOther() async throws {
        let fixture = try await ServerFixture.make()
        let village = try #require(fixture.store.county.households.first?.scope.villageCode)
        let first = try await fixture.service.createAdmin(name: "村干部甲", role: .village, region: village, by: Self.operatorPrincipal)
        let second = try await fixture.service.createAdmin(name: "村干部乙", role: .village, region: village, by: Self.operatorPrincipal)
        let town = try await fixture.service.createAdmin(name: "乡镇干部", role: .town, region: String(village.prefix(9)),
                                                         by: Self.operatorPrincipal)
        await #expect(throws: ServiceError.self) {
            _ = try await fixture.service.disableAdmin(id: second.account.id, by: first.account.principal)
        }
        await #expect(throws: ServiceError.self) {
            _ = try await fixture.service.enrollAdminDevice(adminId: second.account.id, label: nil, expiresInDays: 1,
                                                            by: first.account.principal)
        }
        // Its own phone, and a lower level's account, remain the admin's to manage.
        _ = try await fixture.service.enrollAdminDevice(adminId: first.account.id, label: nil, expiresInDays: 1,
                                                        by: first.account.principal)
        #expect(try await fixture.service.disableAdmin(id: second.account.id, by: town.account.principal).disabled)
    }

    /// A `replace` naming a helper with no current assignment is refused before anything is written.
    @Test func reassignmentWithAWrongReplaceWritesNothing() async throws {
        let fixture = try await ServerFixture.make()
        let household = fixture.households[0]
        let (newHelper, _) = try fixture.store.helper(skipping: [fixture.helperId])
        let (nobody, _) = try fixture.store.helper(skipping: [fixture.helperId, newHelper])
        await #expect(throws: ServiceError(.recordNotFound, "原帮扶关系不存在 (no current assignment to end)")) {
            _ = try await fixture.service.assign(household: household, helper: newHelper, replacing: nobody,
                                                 by: Self.operatorPrincipal)
        }
        #expect(try await fixture.service.store.record(RecordKey(.assignments, "\(newHelper):\(household)")) == nil)
    }

    /// A write made offline before a reassignment is applied however late it arrives: compaction keeps the
    /// ended assignment that says the household was the helper's (protocol/scopes.md §5, §7).
    @Test func preDepartureWriteSurvivesCompaction() async throws {
        let fixture = try await ServerFixture.make()
        let household = fixture.households[0]
        let (newHelper, _) = try fixture.store.helper(skipping: [fixture.helperId])
        let enrollment = try await fixture.service.enroll(helperId: fixture.helperId, label: nil, expiresInDays: 365)
        let phone = ScopeRouteTests.client(fixture, enrollment)
        try await phone.sync()
        fixture.clock.advance(by: 1_000)
        try await phone.updateHousehold(id: household, fields: ["address": "新村12号"])
        fixture.clock.advance(by: 1_000)
        _ = try await fixture.service.assign(household: household, helper: newHelper, replacing: fixture.helperId,
                                             by: Self.operatorPrincipal)
        fixture.clock.advance(by: 91 * 86_400_000)
        _ = try await fixture.service.compact(horizonDays: 90)
        let report = try await phone.sync()
        #expect(report.newRejections == 0)
        #expect(try await fixture.service.store.record(RecordKey(.households, household))?.fields["address"] == "新村12号")
        #expect(try await phone.households().allSatisfy { $0.id != household }, "the household left the phone")
    }

    /// A phone that is merely behind (another phone of the helper edited a household since its last pull)
    /// catches up instead of bootstrapping its whole scope again; a phone that really diverged still does.
    @Test func integrityCheckOfAPhoneMerelyBehindDoesNotResync() async throws {
        let fixture = try await ServerFixture.make()
        let other = try await fixture.service.enroll(helperId: fixture.helperId, label: nil, expiresInDays: 30)
        let phone = ScopeRouteTests.client(fixture, fixture.enrollment)
        let second = ScopeRouteTests.client(fixture, other)
        try await phone.sync()
        try await second.sync()
        try await second.updateHousehold(id: fixture.households[0], fields: ["address": "安置点3栋"])
        try await second.sync()
        let report = try await phone.verifyIntegrity()
        #expect(!report.resynced && report.refetched.isEmpty, "one edit by another phone re-bootstrapped the scope")
        #expect(try await phone.households().first { $0.id == fixture.households[0] }?.fields["address"] == "安置点3栋")
    }
}
