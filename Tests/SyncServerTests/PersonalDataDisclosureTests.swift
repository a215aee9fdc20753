import FieldDomain
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SyncEngine
import SyncModel
import SyncServer
import SyncService
import SyncStore
import SyncTesting
import Testing

/// Who sees personal data in full (protocol/security.md §5): phones get ID numbers masked and phone numbers
/// whole; county admins and the operator read ID numbers in full through the admin API, each read audited;
/// village and town admins get the masks; a phone cannot write a mask back.
@Suite struct PersonalDataDisclosureTests {
    static let operatorPrincipal = Principal.admin(id: SyncService.operatorId, role: .operator, region: "")

    @Test func aHelperPhonePullsMaskedIDNumbersAndWholePhoneNumbers() async throws {
        let fixture = try await ServerFixture.make()
        let members = fixture.store.county.members.filter { fixture.households.contains($0.scope.householdId ?? "") }
        let households = fixture.store.county.households.filter { fixture.households.contains($0.id) }
        try #require(!members.isEmpty && households.contains { $0.fields["phone"]?.stringValue != nil })
        try await fixture.application().test(.router) { client in
            try await client.execute(uri: "/sync/pull?cursor=&maxBytes=4194304", method: .get,
                                     headers: fixture.deviceHeaders) { response in
                let page = try response.decode(PullResponse.self)
                let text = String(buffer: response.body)
                for member in members {
                    let full = try #require(member.fields["idNumber"]?.stringValue)
                    #expect(!text.contains(full), "a full ID number reached a phone")
                    let pulled = page.changes.first { $0.recordId == member.id }?.fields["idNumber"]
                    #expect(pulled == .string(PersonalData.idNumber.mask(full)))
                }
                for household in households {
                    let pulled = page.changes.first { $0.recordId == household.id }?.fields["phone"]
                    #expect(pulled == household.fields["phone"], "the helper calls the household: the phone comes whole")
                }
            }
        }
    }

    @Test func aMaskSentBackIsRefusedAndTheStoredNumberStays() async throws {
        let fixture = try await ServerFixture.make()
        let member = try #require(fixture.store.county.members.first { $0.scope.householdId == fixture.households[0] })
        let full = try #require(member.fields["idNumber"]?.stringValue)
        let mutation: JSONValue = ["seq": 1, "collection": "members", "recordId": .string(member.id), "op": "set",
                                   "fields": ["idNumber": .string(PersonalData.idNumber.mask(full)), "health": "chronic"],
                                   "stamp": fixture.stamp()]
        try await fixture.application().test(.router) { client in
            try await client.execute(uri: "/sync/push", method: .post, headers: fixture.deviceHeaders,
                                     body: try fixture.pushBody([mutation])) { response in
                let push = try response.decode(PushResponse.self)
                #expect(push.results.first?.code == .maskedValue && push.results.first?.field == "idNumber")
            }
        }
        let stored = try await fixture.service.store.record(RecordKey(.members, member.id))
        #expect(stored?.fields["idNumber"] == .string(full))
    }

    @Test func countyAndOperatorReadInFullAndAreAuditedVillageAndTownSeeMasks() async throws {
        let fixture = try await ServerFixture.make()
        let member = try #require(fixture.store.county.members.first { $0.scope.householdId == fixture.households[0] })
        let full = try #require(member.fields["idNumber"]?.stringValue)
        let village = try #require(member.scope.villageCode)
        var tokens: [AdminRole: String] = [:]
        for (role, region) in [(AdminRole.village, village), (.town, String(village.prefix(9))), (.county, String(village.prefix(6)))] {
            tokens[role] = try await fixture.service.createAdmin(name: "干部", role: role, region: region,
                                                                 by: Self.operatorPrincipal).token
        }
        let uri = "/admin/v1/records/members/\(member.id)"
        let issued = tokens
        let readsBefore = try await Self.personalReads(fixture.service.store)
        try await fixture.application().test(.router) { client in
            for (role, token) in issued {
                try await client.execute(uri: uri, method: .get, headers: [.authorization: "Bearer \(token)"]) { response in
                    #expect(response.status == .ok, "\(role)")
                    let value = try response.decode(RecordChange.self).fields["idNumber"]
                    #expect(value == .string(role == .county ? full : PersonalData.idNumber.mask(full)), "\(role)")
                }
            }
            try await client.execute(uri: uri, method: .get, headers: fixture.adminHeaders) { response in
                let value = try response.decode(RecordChange.self).fields["idNumber"]
                #expect(value == .string(full), "operator")
            }
        }
        let reads = try await Self.personalReads(fixture.service.store).dropFirst(readsBefore.count)
        #expect(reads.count == 2, "one personal.read per full read (county, operator): \(reads)")
        #expect(reads.allSatisfy { $0.recordKey == RecordKey(.members, member.id) && $0.detail["fields"] == ["idNumber"] })
        #expect(Set(reads.map(\.actor)).contains(SyncService.operatorId))
        // The audit entry names the field, never the value.
        #expect(reads.allSatisfy { !"\($0)".contains(full) })
    }

    /// A soft conflict names only the concurrent fields, but its sides carry the whole edit: an ID number in
    /// them is masked for a village admin, and shown to a county admin only with an audit entry.
    @Test func aSoftConflictCarryingAnIDNumberIsDisclosedByItsValues() async throws {
        let fixture = try await ServerFixture.make()
        let member = try #require(fixture.store.county.members.first { $0.scope.householdId == fixture.households[0] })
        let full = try #require(member.fields["idNumber"]?.stringValue)
        let village = try #require(member.scope.villageCode)
        let conflict = Conflict(
            id: "cf.dev.1", kind: .soft, status: .logged, collection: .members, recordId: member.id, field: nil,
            fields: ["health"], householdId: fixture.households[0], villageCode: village, baseVersion: 1,
            existing: .init(deviceId: "seed", value: ["health": "healthy"]),
            incoming: .init(deviceId: "dev", seq: 1, value: ["health": "chronic", "idNumber": .string(full)]),
            provisional: nil, openedAt: 0, openedVersion: 2)
        let before = try await Self.personalReads(fixture.service.store).count
        let villageView = try await fixture.service.disclosed(conflict, to: .admin(id: "v", role: .village, region: village))
        #expect(villageView.conflict.incoming.value.objectValue?["idNumber"] == .string(PersonalData.idNumber.mask(full)))
        #expect(try await Self.personalReads(fixture.service.store).count == before, "a masked view is no read")
        let countyView = try await fixture.service.disclosed(conflict, to: .admin(id: "c", role: .county,
                                                                                   region: String(village.prefix(6))))
        #expect(countyView.conflict.incoming.value.objectValue?["idNumber"] == .string(full))
        let reads = try await Self.personalReads(fixture.service.store).dropFirst(before)
        #expect(reads.map(\.actor) == ["c"] && reads.first?.detail["fields"] == ["idNumber"])
    }

    static func personalReads(_ store: any SyncStore) async throws -> [AuditEntry] {
        try await store.auditRecords(after: 0, limit: 10_000).map { try $0.entry() }.filter { $0.action == .personalRead }
    }
}
