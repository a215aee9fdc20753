import FieldDomain
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import SyncModel
import SyncService
import SyncStore
import SyncTesting
import Testing

/// `GET /admin/v1/records/{collection}/{id}/history` (protocol/audit.md §6): who changed which field when,
/// personal values as keyed hashes, confined to the caller's region.
@Suite struct AuditRouteTests {
    static let idNumber = "522327201209070087"
    static let phone = "13912345678"

    @Test func historyNamesWhoChangedWhichFieldWithPersonalValuesHashed() async throws {
        let fixture = try await ServerFixture.make()
        let household = fixture.households[0]
        let memberId = "\(household)-m-audit"
        let body = try fixture.pushBody([
            ["seq": 1, "collection": "households", "recordId": .string(household), "op": "set",
             "fields": ["incomeWage": 18600, "phone": .string(Self.phone)], "stamp": fixture.stamp()],
            ["seq": 2, "collection": "members", "recordId": .string(memberId), "op": "create",
             "fields": ["householdId": .string(household), "name": "杨小雨", "relation": "child",
                        "idNumber": .string(Self.idNumber)], "stamp": fixture.stamp(1)],
        ])
        try await fixture.application().test(.router) { client in
            try await client.execute(uri: "/sync/push", method: .post, headers: fixture.deviceHeaders, body: body) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/admin/v1/records/members/\(memberId)", method: .delete,
                                     headers: fixture.adminHeaders) { #expect($0.status == .ok) }
            let households = try await client.execute(uri: "/admin/v1/records/households/\(household)/history", method: .get,
                                                      headers: fixture.adminHeaders) { response in
                #expect(response.status == .ok)
                return try response.json()
            }
            let entries = households.objectValue?["entries"]?.arrayValue ?? []
            #expect(entries.count == 1)
            let entry = entries.first?.objectValue ?? [:]
            #expect(entry["actor"] == .string(fixture.helperId))
            #expect(entry["deviceId"] == .string(fixture.enrollment.deviceId))
            #expect(entry["action"] == "device.write" && entry["op"] == "set")
            #expect(entry["fields"]?.objectValue?["incomeWage"] == 18600)
            #expect(entry["fields"]?.objectValue?["phone"] == fixture.service.redactor.hash(.string(Self.phone)))

            let member = try await client.execute(uri: "/admin/v1/records/members/\(memberId)/history", method: .get,
                                                  headers: fixture.adminHeaders) { response in
                #expect(!String(buffer: response.body).contains(Self.idNumber))
                return try response.json()
            }
            let memberEntries = (member.objectValue?["entries"]?.arrayValue ?? []).compactMap(\.objectValue)
            #expect(memberEntries.map { $0["action"] } == ["device.write", "record.delete"])
            #expect(memberEntries.first?["fields"]?.objectValue?["idNumber"]?.stringValue?.hasPrefix("hmac:") == true)
            #expect(memberEntries.first?["fields"]?.objectValue?["name"] == "杨小雨")
            #expect(memberEntries.last?["actor"] == .string(SyncService.operatorId))
        }
        let verified = try await fixture.service.verifyAudit()
        #expect(verified.failure == nil && verified.verified.seq == 4, "enrolment, two writes, a delete: \(verified)")
    }

    @Test func historyIsRefusedOutsideTheRegionAndUnknownRecordsAreNotFound() async throws {
        let fixture = try await ServerFixture.make()
        let households = fixture.store.county.households
        let inside = try #require(households.first)
        let village = try #require(inside.scope.villageCode)
        let outside = try #require(households.first { $0.scope.villageCode != village })
        let operatorPrincipal = Principal.admin(id: SyncService.operatorId, role: .operator, region: "")
        let account = try await fixture.service.createAdmin(name: "村干部", role: .village, region: village, by: operatorPrincipal)
        let villageHeaders: HTTPFields = [.authorization: "Bearer \(account.token)"]
        try await fixture.application().test(.router) { client in
            try await client.execute(uri: "/admin/v1/records/households/\(inside.id)/history", method: .get,
                                     headers: villageHeaders) { #expect($0.status == .ok) }
            try await client.execute(uri: "/admin/v1/records/households/\(outside.id)/history", method: .get,
                                     headers: villageHeaders) { response in
                #expect(response.status == .forbidden)
                #expect(response.errorCode == .forbidden)
            }
            try await client.execute(uri: "/admin/v1/records/households/\(village)9999/history", method: .get,
                                     headers: fixture.adminHeaders) { response in
                #expect(response.status == .notFound)
                #expect(response.errorCode == .recordNotFound)
            }
            try await client.execute(uri: "/admin/v1/records/planets/x/history", method: .get,
                                     headers: fixture.adminHeaders) { #expect($0.errorCode == .unknownCollection) }
            try await client.execute(uri: "/admin/v1/records/households/\(inside.id)/history", method: .get,
                                     headers: fixture.deviceHeaders) { #expect($0.status == .forbidden) }
        }
        // Creating the account was audited, with who did it.
        let log = try await fixture.service.store.auditRecords(after: 0, limit: 10).map { try $0.entry() }
        #expect(log.contains { $0.action == .adminCreate && $0.actor == SyncService.operatorId
                               && $0.detail["admin"] == .string(account.account.id) })
    }
}

/// Audited writes put no ID number or phone number into a log line (DESIGN §4; protocol/audit.md §3).
@Suite struct AuditLogLineTests {
    @Test func auditedWritesLogNoPersonalData() async throws {
        let capture = LogCapture()
        let store = try await StoreFixture.make(MemorySyncStore(), households: 20)
        let clock = ManualClock(ServerFixture.exampleTime)
        let random = SeededRandomSource(seed: 5)
        let service = SyncService(store: store.store, now: { clock.now() }, randomBytes: { random.bytes($0) },
                                  auditKey: TestKeys.key, cipher: TestKeys.cipher, logger: capture.logger(label: "audit-logs"))
        let (helper, households) = try store.helper()
        let enrollment = try await service.enroll(helperId: helper, label: nil, expiresInDays: 1)
        let device = try await service.authenticate(authorization: "Bearer " + enrollment.token)
        let stamp = JSONValue.string(HLCTimestamp(physical: clock.now() - 1000, logical: 0, node: device.deviceId).wireValue)
        let memberId = "\(households[0])-m-logs"
        let response = try await service.push(PushEnvelope(deviceId: device.deviceId, clientVersion: nil, mutations: [
            ["seq": 1, "collection": "households", "recordId": .string(households[0]), "op": "set",
             "fields": ["phone": .string(AuditRouteTests.phone)], "stamp": stamp],
            ["seq": 2, "collection": "members", "recordId": .string(memberId), "op": "create",
             "fields": ["householdId": .string(households[0]), "name": "杨小雨", "relation": "child",
                        "idNumber": .string(AuditRouteTests.idNumber)], "stamp": stamp],
            // Rejected: the bad ID number must not reach a log line either.
            ["seq": 3, "collection": "members", "recordId": .string("\(memberId)-2"), "op": "create",
             "fields": ["householdId": .string(households[0]), "name": "杨小雨", "relation": "child",
                        "idNumber": "522327201209070088"], "stamp": stamp],
        ]), from: device)
        #expect(response.results.map(\.status) == [.applied, .applied, .rejected])
        _ = try await service.deleteRecord(RecordKey(.members, memberId))
        try await service.flushSyncLog()
        let verified = try await service.verifyAudit()
        #expect(verified.failure == nil && verified.verified.seq == 4)
        let logged = capture.text
        #expect(!logged.isEmpty)
        for secret in [AuditRouteTests.idNumber, AuditRouteTests.phone, "522327201209070088"] {
            #expect(!logged.contains(secret), "\(secret) in a log line")
        }
    }
}
