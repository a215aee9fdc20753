import FieldDomain
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import SyncClient
import SyncModel
import SyncService
import SyncStore
import SyncTesting
import Testing

/// Roles, reassignment and resync through the real service (protocol/scopes.md): devices are real
/// `SyncClient`s over `InProcessTransport`, admins call the HTTP routes.
@Suite struct ScopeRouteTests {
    /// A real client for `enrollment` over the in-process transport (no periodic integrity check unless
    /// asked, so that each test proves the mechanism it names).
    static func client(_ fixture: ServerFixture, _ enrollment: Enrollment, store: any LocalStore = MemoryLocalStore(),
                       integrityCheckInterval: Duration? = nil) -> SyncClient {
        SyncClient(deviceId: enrollment.deviceId, store: store,
                   transport: InProcessTransport(service: fixture.service, token: enrollment.token),
                   clock: { fixture.clock.now() }, random: SplitMix64(seed: 7), logger: Logger(label: "test"),
                   integrityCheckInterval: integrityCheckInterval)
    }

    static func assign(_ client: some TestClientProtocol, _ fixture: ServerFixture, household: String, helper: String,
                       replace: String?) async throws {
        var fields: [String: JSONValue] = ["householdId": .string(household), "helperId": .string(helper)]
        if let replace { fields["replace"] = .string(replace) }
        let body = JSONValue.object(fields)
        try await client.execute(uri: "/admin/v1/assignments", method: .post, headers: fixture.adminHeaders,
                                 body: ByteBuffer(data: try JSONEncoder().encode(body))) { response in
            #expect(response.status == .created)
        }
    }

    @Test func reassignedHouseholdMovesWithItsHistoryAndLateWritesAreQuarantined() async throws {
        let fixture = try await ServerFixture.make()
        let household = fixture.households[0]
        let (newHelper, _) = try fixture.store.helper(skipping: [fixture.helperId])
        let oldPhone = Self.client(fixture, fixture.enrollment)
        let newEnrollment = try await fixture.service.enroll(helperId: newHelper, label: nil, expiresInDays: 30)
        let newPhone = Self.client(fixture, newEnrollment)
        try await oldPhone.sync()
        try await newPhone.sync()
        // The old helper's visit is history the new helper must receive although it is below its cursor.
        let visit = try await oldPhone.recordVisit(VisitDraft(kind: "household", householdId: household,
                                                              visitedAt: "2026-11-20T09:30:00+08:00", notes: "入户核实"))
        try await oldPhone.sync()
        try await newPhone.sync()
        #expect(try await newPhone.households().allSatisfy { $0.id != household })

        // Offline, the old helper edits the household once before the reassignment takes effect and once after.
        fixture.clock.advance(by: 1_000)
        try await oldPhone.updateHousehold(id: household, fields: ["address": "新村12号"])
        fixture.clock.advance(by: 1_000)
        try await fixture.application().test(.router) { client in
            try await Self.assign(client, fixture, household: household, helper: newHelper, replace: fixture.helperId)
        }
        fixture.clock.advance(by: 1_000)
        try await oldPhone.updateHousehold(id: household, fields: ["address": "安置点3栋"])
        let report = try await oldPhone.sync()
        #expect(report.newRejections == 1)
        #expect(try await oldPhone.rejectedWrites().map(\.code) == [.scopeRevoked])
        let stored = try await fixture.service.store.record(RecordKey(.households, household))
        #expect(stored?.fields["address"] == "新村12号", "the write made before the reassignment applies")
        #expect(try await fixture.service.rejections(deviceId: fixture.enrollment.deviceId, limit: 10).map(\.code) == [.scopeRevoked])

        // Move-out: the old phone holds nothing of the household any more; move-in: the new phone holds it all.
        #expect(try await oldPhone.households().allSatisfy { $0.id != household })
        #expect(try await oldPhone.members(of: household).isEmpty)
        #expect(try await oldPhone.record(collection: .visits, id: visit) == nil)
        try await newPhone.sync()
        #expect(try await newPhone.households().contains { $0.id == household })
        let members = fixture.store.county.members.filter { $0.scope.householdId == household }.count
        #expect(try await newPhone.members(of: household).count == members)
        #expect(try await newPhone.record(collection: .visits, id: visit) != nil)

        // Outside its scope the old phone's write is out_of_scope, not scope_revoked.
        let stranger = fixture.store.county.households.first { !fixture.households.contains($0.id) && $0.id != household }!
        let push = try await fixture.service.push(
            PushEnvelope(deviceId: fixture.enrollment.deviceId, clientVersion: nil, mutations: [
                Mutation(seq: 1000, collection: "households", recordId: stranger.id, op: .set, fields: ["address": "x"],
                         stamp: HLCTimestamp(physical: fixture.clock.now(), logical: 0, node: fixture.enrollment.deviceId))
                    .jsonValue,
            ]), from: DeviceIdentity(deviceId: fixture.enrollment.deviceId, helperId: fixture.helperId))
        #expect(push.expectedSeq != nil || push.results.first?.code == .outOfScope)
    }

    @Test func villageAdminSeesAndResolvesOnlyItsVillage() async throws {
        let fixture = try await ServerFixture.make()
        let households = fixture.store.county.households
        let mine = households[0].scope.villageCode!
        let other = try #require(households.first { $0.scope.villageCode != mine })
        // A conflict in the next village: two phones of its helper edit the same reviewed field from one base.
        let otherHelper = try #require(fixture.store.county.assignments.first { $0.scope.householdId == other.id }?.scope.helperId)
        try await fixture.store.enroll("next-a", helperId: otherHelper)
        try await fixture.store.enroll("next-b", helperId: otherHelper)
        let base = try #require(try await fixture.service.store.record(RecordKey(.households, other.id))).version
        for (device, wage) in [("next-a", 15000), ("next-b", 18000)] {
            var edit = fixture.store.setHousehold(other.id, seq: 1, device: device, fields: ["incomeWage": .int(Int64(wage))])
            edit.baseVersion = base
            _ = try await fixture.store.push([edit], device: device, helper: otherHelper)
        }
        let conflict = try #require(try await fixture.service.conflicts(ConflictQuery(recordId: other.id)).first)
        try await fixture.application().test(.router) { client in
            var token = ""
            let add = ByteBuffer(string: #"{"name":"村支书","role":"village","region":"\#(mine)"}"#)
            try await client.execute(uri: "/admin/v1/admins", method: .post, headers: fixture.adminHeaders, body: add) { response in
                #expect(response.status == .created)
                token = try response.json().objectValue?["token"]?.stringValue ?? ""
            }
            #expect(token.hasPrefix("bfa1."))
            let village: HTTPFields = [.authorization: "Bearer \(token)", .contentType: "application/json"]
            // Its own region: allowed; the next village, or a town: forbidden.
            try await client.execute(uri: "/admin/v1/conflicts", method: .get, headers: village) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/admin/v1/conflicts?region=\(other.scope.villageCode!)", method: .get,
                                     headers: village) { response in
                #expect(response.status == .forbidden)
                #expect(response.errorCode == .forbidden)
            }
            try await client.execute(uri: "/admin/v1/records/households/\(other.id)", method: .delete, headers: village) { response in
                #expect(response.status == .forbidden)
            }
            // The next village's conflict: not listed, not readable, not resolvable.
            try await client.execute(uri: "/admin/v1/conflicts", method: .get, headers: village) { response in
                let ids = try response.json().objectValue?["conflicts"]?.arrayValue?.compactMap { $0.objectValue?["id"]?.stringValue }
                #expect(ids?.contains(conflict.id) == false)
            }
            try await client.execute(uri: "/admin/v1/conflicts/\(conflict.id)", method: .get, headers: village) { response in
                #expect(response.status == .forbidden)
                #expect(response.errorCode == .forbidden)
            }
            let resolve = ByteBuffer(string: #"{"choice":"existing","reason":"核实","resolvedBy":"冒名者"}"#)
            try await client.execute(uri: "/admin/v1/conflicts/\(conflict.id)/resolve", method: .post, headers: village,
                                     body: resolve) { response in
                #expect(response.status == .forbidden)
            }
            #expect(try await fixture.service.store.conflict(id: conflict.id)?.status == .open)
            // The operator may, and the resolution names the operator, whatever the body claims.
            try await client.execute(uri: "/admin/v1/conflicts/\(conflict.id)/resolve", method: .post,
                                     headers: fixture.adminHeaders, body: resolve) { response in
                #expect(response.status == .ok)
            }
            #expect(try await fixture.service.store.conflict(id: conflict.id)?.resolution?.resolvedBy == SyncService.operatorId)
            let assignOther = ByteBuffer(string: #"{"householdId":"\#(other.id)","helperId":"\#(fixture.helperId)"}"#)
            try await client.execute(uri: "/admin/v1/assignments", method: .post, headers: village, body: assignOther) { response in
                #expect(response.status == .forbidden)
            }
            // A village admin cannot add admins of its own level or above.
            try await client.execute(uri: "/admin/v1/admins", method: .post, headers: village, body: add) { response in
                #expect(response.status == .forbidden)
            }
            // Its devices list holds only helpers with households in the village.
            let visible = try await fixture.service.store.helperIds(inRegion: mine)
            try await client.execute(uri: "/admin/v1/devices", method: .get, headers: village) { response in
                let devices = try response.json().objectValue?["devices"]?.arrayValue ?? []
                #expect(devices.allSatisfy { visible.contains($0.objectValue?["helperId"]?.stringValue ?? "") })
            }
            // Disabled, the token stops working.
            let id = String(token.split(separator: ".")[1])
            try await client.execute(uri: "/admin/v1/admins/\(id)/disable", method: .post, headers: fixture.adminHeaders) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/admin/v1/conflicts", method: .get, headers: village) { response in
                #expect(response.status == .unauthorized)
                #expect(response.errorCode == .tokenInvalid)
            }
        }
    }

    @Test func foreignOrStaleCursorAsksForAResyncAndTheClientRecoversKeepingItsOutbox() async throws {
        let fixture = try await ServerFixture.make()
        try await fixture.application().test(.router) { client in
            for cursor in ["c2.zz.1", "c1.zzzzzz"] {
                try await client.execute(uri: "/sync/pull?cursor=\(cursor)", method: .get, headers: fixture.deviceHeaders) { response in
                    #expect(response.status == .gone)
                    #expect(response.errorCode == .resyncRequired)
                }
            }
        }
        // A phone whose local store carries a cursor from another database resyncs by itself, losing
        // nothing it had not sent and keeping nothing the server does not hold.
        let local = MemoryLocalStore()
        let phone = Self.client(fixture, fixture.enrollment, store: local)
        try await phone.sync()
        let before = try await phone.households().map { $0.id }.sorted()
        try await local.applyPullPage(PullResponse(
            changes: [RecordChange(collection: "households", recordId: "5299990010010001", version: 1, deleted: false,
                                   fields: ["address": "幽灵户"], stamps: [:])],
            cursor: SyncCursor(version: 5, epoch: 424242).token, hasMore: false, lastAppliedSeq: 0, head: 5,
            serverTime: 0), now: fixture.clock.now())
        try await phone.updateHousehold(id: fixture.households[0], fields: ["address": "新村12号"])
        let report = try await phone.sync()
        #expect(report.resyncs == 1)
        #expect(try await phone.households().map { $0.id }.sorted() == before)
        #expect(try await fixture.service.store.record(RecordKey(.households, fixture.households[0]))?.fields["address"] == "新村12号")
    }

    @Test func integrityCheckPurgesWhatLeftAndRefetchesWhatIsMissing() async throws {
        let fixture = try await ServerFixture.make()
        let household = fixture.households[0]
        let (newHelper, _) = try fixture.store.helper(skipping: [fixture.helperId])
        // A phone restored from a backup taken before the household moved: it holds the household, and its
        // cursor is ahead of the move (the backup kept a later cursor), so no removal will ever reach it.
        let backup = MemoryLocalStore()
        let phone = Self.client(fixture, fixture.enrollment, store: backup)
        try await phone.sync()
        let held = try await backup.syncState()
        _ = try await fixture.service.assign(household: household, helper: newHelper, replacing: fixture.helperId,
                                             by: .admin(id: "operator", role: .operator, region: ""))
        try await phone.sync()
        #expect(try await phone.households().allSatisfy { $0.id != household })
        // Put the household back as if restored, with the newer cursor: plain syncs cannot notice.
        let record = try #require(try await fixture.service.store.record(RecordKey(.households, household)))
        try await backup.applyPullPage(PullResponse(
            changes: [record.change()], cursor: try await backup.syncState().cursor, hasMore: false,
            lastAppliedSeq: held.lastAppliedSeq, head: 0, serverTime: 0), now: fixture.clock.now())
        let kept = fixture.households[1]
        let members = try await phone.members(of: kept).map { $0.id }.sorted()
        try await phone.sync()
        #expect(try await phone.households().contains { $0.id == household }, "the stale household is still held")

        let report = try await phone.verifyIntegrity()
        #expect(report.purged == [household])
        #expect(try await phone.households().allSatisfy { $0.id != household })
        #expect(try await phone.members(of: kept).map { $0.id }.sorted() == members, "what it should hold stays")
        // Consistent now: a second check finds nothing.
        let again = try await phone.verifyIntegrity()
        #expect(again.purged.isEmpty && again.refetched.isEmpty && !again.resynced)
    }

    @Test func integrityCheckRefetchesAHouseholdThatWentMissing() async throws {
        let fixture = try await ServerFixture.make()
        let local = MemoryLocalStore()
        let phone = Self.client(fixture, fixture.enrollment, store: local)
        try await phone.sync()
        let before = try await phone.households().map { $0.id }.sorted()
        try await local.purge(households: [fixture.households[0]])
        try await phone.sync()
        #expect(try await phone.households().count == before.count - 1, "a plain sync does not notice")
        let report = try await phone.verifyIntegrity()
        #expect(report.refetched == [fixture.households[0]] && report.resynced)
        #expect(try await phone.households().map { $0.id }.sorted() == before)
    }

    @Test func integrityRouteAnswersPerHouseholdAndRefusesMalformedBodies() async throws {
        let fixture = try await ServerFixture.make()
        try await fixture.application().test(.router) { client in
            let body = ByteBuffer(string: #"{"households":{"\#(fixture.households[0])":"0000000000000000","5299990010010001":"1"},"other":""}"#)
            try await client.execute(uri: "/sync/integrity", method: .post, headers: fixture.deviceHeaders, body: body) { response in
                #expect(response.status == .ok)
                let answer = try response.decode(IntegrityResponse.self)
                #expect(answer.purge == ["5299990010010001"])
                #expect(Set(answer.refetch) == Set(fixture.households))
                #expect(!answer.otherMatches)
            }
            try await client.execute(uri: "/sync/integrity", method: .post, headers: fixture.deviceHeaders,
                                     body: ByteBuffer(string: #"{"households":[1]}"#)) { response in
                #expect(response.status == .badRequest)
                #expect(response.errorCode == .malformedJSON)
            }
        }
    }

    @Test func compactionForgetsOldTombstonesAndADeviceOfflineLongerResyncsKeepingItsOutbox() async throws {
        let fixture = try await ServerFixture.make()
        let first = try await fixture.service.enroll(helperId: fixture.helperId, label: nil, expiresInDays: 365)
        let second = try await fixture.service.enroll(helperId: fixture.helperId, label: nil, expiresInDays: 365)
        let phone = Self.client(fixture, first)
        let offline = Self.client(fixture, second)
        try await phone.sync()
        try await offline.sync()
        let member = try #require(try await phone.members(of: fixture.households[0]).first)
        _ = try await fixture.service.deleteRecord(RecordKey(.members, member.id))
        // One phone had not heard of the delete: its edit waits in a `deleted` conflict.
        try await phone.updateMember(id: member.id, fields: ["health": "healthy"])
        try await phone.sync()
        let conflict = try #require(try await fixture.service.conflicts(ConflictQuery(status: .open, kind: .deleted)).first)
        // Too young to compact: nothing goes.
        #expect(try await fixture.service.compact(horizonDays: 90).purged == 0)
        fixture.clock.advance(by: 91 * 86_400_000)
        let report = try await fixture.service.compact(horizonDays: 90)
        #expect(report.purged == 1)
        #expect(try await fixture.service.store.record(RecordKey(.members, member.id)) == nil)
        // Its conflict can no longer be resolved: a clear 404, not a server error.
        await #expect(throws: ServiceError(.recordNotFound, "记录已被清理，冲突无法处理 (the record was compacted away)")) {
            _ = try await fixture.service.resolveConflict(
                id: conflict.id, request: .init(choice: .incoming, value: nil, reason: "核实", resolvedBy: nil))
        }
        // The other phone was offline the whole time and wrote something: its cursor is below the horizon, so
        // it bootstraps again (the deleted member goes) and its write still reaches the server.
        try await offline.updateHousehold(id: fixture.households[1], fields: ["address": "安置点3栋"])
        let sync = try await offline.sync()
        #expect(sync.resyncs == 1)
        #expect(try await offline.members(of: fixture.households[0]).allSatisfy { $0.id != member.id })
        #expect(try await fixture.service.store.record(RecordKey(.households, fixture.households[1]))?.fields["address"] == "安置点3栋")
    }

    @Test func aTownAdminPhonePullsItsTownAndRecordsVillageVisitsThere() async throws {
        let fixture = try await ServerFixture.make()
        let households = fixture.store.county.households
        let town = String(try #require(households.first?.scope.villageCode).prefix(9))
        let inTown = Set(households.filter { $0.scope.villageCode?.hasPrefix(town) == true }.map(\.id))
        let outside = try #require(households.first { $0.scope.villageCode?.hasPrefix(town) == false })
        let operatorPrincipal = Principal.admin(id: SyncService.operatorId, role: .operator, region: "")
        let account = try await fixture.service.createAdmin(name: "乡镇干部", role: .town, region: town, by: operatorPrincipal)
        let enrollment = try await fixture.service.enrollAdminDevice(adminId: account.account.id, label: "乡镇手机",
                                                                     expiresInDays: 30, by: account.account.principal)
        let phone = Self.client(fixture, enrollment)
        try await phone.sync()
        #expect(Set(try await phone.households().map { $0.id }) == inTown)
        let members = try await phone.members(of: inTown.sorted()[0])
        #expect(!members.isEmpty, "members of the town's households come too")

        // 入村走访 in a village of the town is accepted; in a village outside it, refused.
        let village = try #require(households.first { inTown.contains($0.id) }?.scope.villageCode)
        _ = try await phone.recordVisit(VisitDraft(kind: "village", villageCode: village,
                                                   visitedAt: "2026-11-20T09:30:00+08:00", notes: "入村走访：核对饮水工程"))
        _ = try await phone.recordVisit(VisitDraft(kind: "village", villageCode: outside.scope.villageCode!,
                                                   visitedAt: "2026-11-20T10:30:00+08:00", notes: "入村走访"))
        let report = try await phone.sync()
        #expect(report.newRejections == 1)
        #expect(try await phone.rejectedWrites().map(\.code) == [.outOfScope])
        let visits = try await fixture.service.store.count(.visits)
        #expect(visits == 1)
    }
}
