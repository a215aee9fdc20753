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

/// The review queue over HTTP (protocol/conflicts.md §7–8): two phones of one helper edit the same reviewed
/// field from the same base, the admin lists, shows and resolves the conflict, and the resolution reaches
/// the device by pull; admin deletes make tombstones, and editing one opens a conflict, not a resurrection.
@Suite struct ConflictRouteTests {
    static func headers(_ token: String) -> HTTPFields {
        [.authorization: "Bearer \(token)", HTTPField.Name("Bangfu-Protocol")!: String(ProtocolVersion.current), .contentType: "application/json"]
    }

    static func push(_ deviceId: String, _ mutations: [JSONValue]) throws -> ByteBuffer {
        ByteBuffer(data: try JSONEncoder().encode(JSONValue.object(["deviceId": .string(deviceId), "mutations": .array(mutations)])))
    }

    static func set(seq: Int64, collection: String = "households", recordId: String, fields: [String: JSONValue],
                    base: Int64, device: String, physical: Int64) -> JSONValue {
        ["seq": .int(seq), "collection": .string(collection), "recordId": .string(recordId), "op": "set",
         "fields": .object(fields), "baseVersion": .int(base),
         "stamp": .string(HLCTimestamp(physical: physical, logical: 0, node: device).wireValue)]
    }

    @Test func concurrentIncomeEditsAreReviewedAndTheResolutionReachesDevices() async throws {
        let fixture = try await ServerFixture.make()
        let second = try await fixture.service.enroll(helperId: fixture.helperId, label: "second phone", expiresInDays: 30)
        let household = fixture.households[0]
        let base = try #require(try await fixture.service.store.record(RecordKey(.households, household))).version
        let now = fixture.clock.now()
        let first = fixture.enrollment
        try await fixture.application().test(.router) { client in
            try await client.execute(
                uri: "/sync/push", method: .post, headers: Self.headers(first.token),
                body: try Self.push(first.deviceId, [Self.set(seq: 1, recordId: household, fields: ["incomeWage": 15000],
                                                              base: base, device: first.deviceId, physical: now - 30_000)])
            ) { response in
                let push = try response.decode(PushResponse.self)
                #expect(push.results.first?.status == .applied)
            }
            var conflictId = ""
            try await client.execute(
                uri: "/sync/push", method: .post, headers: Self.headers(second.token),
                body: try Self.push(second.deviceId, [Self.set(seq: 1, recordId: household, fields: ["incomeWage": 18000],
                                                               base: base, device: second.deviceId, physical: now - 20_000)])
            ) { response in
                let push = try response.decode(PushResponse.self)
                #expect(push.results.first?.status == .conflict)
                conflictId = push.results.first?.conflictId ?? ""
            }
            #expect(conflictId == "cf.\(second.deviceId).1.incomeWage")

            // The device sees the record as 待核实.
            try await client.execute(uri: "/sync/pull?cursor=", method: .get, headers: Self.headers(first.token)) { response in
                let pull = try response.decode(PullResponse.self)
                let change = pull.changes.first { $0.recordId == household }
                #expect(change?.openConflicts == [ConflictMarker(id: conflictId, field: "incomeWage")])
                #expect(change?.fields["incomeWage"] == 18000, "the later stamp is kept provisionally")
            }

            try await client.execute(uri: "/admin/v1/conflicts", method: .get, headers: fixture.adminHeaders) { response in
                let list = try response.json()
                let items = list.objectValue?["conflicts"]?.arrayValue ?? []
                #expect(items.count == 1)
                #expect(items.first?.objectValue?["kind"] == "hard")
                #expect(items.first?.objectValue?["current"] == nil, "current is shown by GET /conflicts/{id} only")
                #expect(items.first?.objectValue?["existing"]?.objectValue?["value"] == 15000)
                #expect(items.first?.objectValue?["incoming"]?.objectValue?["value"] == 18000)
            }
            try await client.execute(uri: "/admin/v1/conflicts?region=530102", method: .get, headers: fixture.adminHeaders) { response in
                let body = try response.json()
                #expect(body.objectValue?["conflicts"]?.arrayValue?.isEmpty == true)
            }
            try await client.execute(uri: "/admin/v1/conflicts?region=52x", method: .get, headers: fixture.adminHeaders) { response in
                #expect(response.status == .badRequest)
                #expect(response.errorCode == .invalidRequest)
            }
            try await client.execute(uri: "/admin/v1/conflicts/\(conflictId)", method: .get, headers: fixture.adminHeaders) { response in
                let body = try response.json()
                #expect(body.objectValue?["current"] == 18000)
            }

            // Refusals, each with its stable code.
            let resolve = "/admin/v1/conflicts/\(conflictId)/resolve"
            for (body, code) in [(#"{"choice":"mine","reason":"x"}"#, ErrorCode.invalidResolution),
                                 (#"{"choice":"existing"}"#, .invalidResolution),
                                 (#"{"choice":"value","reason":"核实"}"#, .invalidResolution),
                                 (#"{"choice":"value","value":-5,"reason":"核实"}"#, .outOfRange),
                                 (#"[1]"#, .invalidResolution),
                                 (#"{"choice":"#, .malformedJSON)] {
                try await client.execute(uri: resolve, method: .post, headers: fixture.adminHeaders,
                                         body: ByteBuffer(string: body)) { response in
                    #expect(response.status == .badRequest, "\(body)")
                    #expect(response.errorCode == code, "\(body)")
                }
            }
            try await client.execute(uri: "/admin/v1/conflicts/cf.nope.1.status/resolve", method: .post,
                                     headers: fixture.adminHeaders,
                                     body: ByteBuffer(string: #"{"choice":"existing","reason":"核实"}"#)) { response in
                #expect(response.status == .notFound)
                #expect(response.errorCode == .conflictNotFound)
            }
            try await client.execute(uri: resolve, method: .post, headers: fixture.adminHeaders,
                                     body: ByteBuffer(string: #"{"choice":"existing","reason":"入户核实工资单","resolvedBy":"村管理员"}"#)) { response in
                #expect(response.status == .ok)
                let resolved = try response.json().objectValue
                #expect(resolved?["status"] == "resolved")
                #expect(resolved?["resolution"]?.objectValue?["value"] == 15000)
            }
            try await client.execute(uri: resolve, method: .post, headers: fixture.adminHeaders,
                                     body: ByteBuffer(string: #"{"choice":"incoming","reason":"再改"}"#)) { response in
                #expect(response.status == .conflict)
                #expect(response.errorCode == .conflictNotOpen)
            }
            // The resolution is a new version every device pulls: the value chosen, no marker.
            try await client.execute(uri: "/sync/pull?cursor=", method: .get, headers: Self.headers(second.token)) { response in
                let pull = try response.decode(PullResponse.self)
                let change = pull.changes.first { $0.recordId == household }
                #expect(change?.fields["incomeWage"] == 15000)
                #expect(change?.openConflicts == nil)
                #expect((change?.version ?? 0) > base + 2)
            }
        }
    }

    @Test func deletedMembersStayDeletedWhenEditedAndCanBeRestoredByReview() async throws {
        let fixture = try await ServerFixture.make()
        let member = try #require(fixture.store.county.members.first { $0.scope.householdId == fixture.households[0] })
        let idNumber = try #require(member.fields["idNumber"])
        let device = fixture.enrollment
        try await fixture.application().test(.router) { client in
            try await client.execute(uri: "/admin/v1/records/members/\(member.id)", method: .delete,
                                     headers: [.authorization: "Bearer admin-token-for-tests-0123"]) { response in
                #expect(response.status == .ok)
                let body = try response.json()
                #expect(body.objectValue?["deleted"] == true)
            }
            try await client.execute(uri: "/admin/v1/records/members/\(member.id)", method: .delete,
                                     headers: fixture.adminHeaders) { response in
                #expect(response.errorCode == .recordDeleted)
            }
            try await client.execute(uri: "/admin/v1/records/visits/no-such-visit", method: .delete,
                                     headers: fixture.adminHeaders) { response in
                #expect(response.status == .notFound)
                #expect(response.errorCode == .recordNotFound)
            }
            try await client.execute(uri: "/admin/v1/records/households/\(fixture.households[0])", method: .delete,
                                     headers: [:]) { response in
                #expect(response.status == .unauthorized)
            }
            var conflictId = ""
            try await client.execute(
                uri: "/sync/push", method: .post, headers: Self.headers(device.token),
                body: try Self.push(device.deviceId, [Self.set(seq: 1, collection: "members", recordId: member.id,
                                                               fields: ["health": "chronic", "idNumber": idNumber],
                                                               base: member.version,
                                                               device: device.deviceId, physical: fixture.clock.now() - 1000)])
            ) { response in
                let result = try response.decode(PushResponse.self).results.first
                #expect(result?.status == .conflict)
                conflictId = result?.conflictId ?? ""
            }
            try await client.execute(uri: "/sync/pull?cursor=", method: .get, headers: Self.headers(device.token)) { response in
                let pull = try response.decode(PullResponse.self)
                #expect(pull.changes.first { $0.recordId == member.id }?.deleted == true, "no resurrection")
            }
            try await client.execute(uri: "/admin/v1/conflicts?kind=deleted", method: .get, headers: fixture.adminHeaders) { response in
                let body = try response.json()
                #expect(body.objectValue?["conflicts"]?.arrayValue?.count == 1)
            }
            try await client.execute(uri: "/admin/v1/conflicts/\(conflictId)/resolve", method: .post,
                                     headers: fixture.adminHeaders,
                                     body: ByteBuffer(string: #"{"choice":"incoming","reason":"误删，恢复该成员"}"#)) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/sync/pull?cursor=", method: .get, headers: Self.headers(device.token)) { response in
                let change = try response.decode(PullResponse.self).changes.first { $0.recordId == member.id }
                #expect(change?.deleted == false)
                #expect(change?.fields["health"] == "chronic")
            }
            // The queue masks the member's ID number everywhere in the list, the restoring resolution included.
            try await client.execute(uri: "/admin/v1/conflicts?status=resolved", method: .get,
                                     headers: fixture.adminHeaders) { response in
                let text = String(buffer: response.body)
                #expect(!text.contains(idNumber.stringValue ?? "?"))
                #expect(text.contains("********"))
            }
        }
    }

    /// Two phones enter different ID numbers for one member: a hard conflict whose list entry masks both,
    /// while the reviewer's detail view shows them whole.
    @Test func idNumberConflictsAreMaskedInTheListAndWholeInTheDetail() async throws {
        let fixture = try await ServerFixture.make()
        let second = try await fixture.service.enroll(helperId: fixture.helperId, label: "second phone", expiresInDays: 30)
        let members = fixture.store.county.members
        let member = try #require(members.first { $0.scope.householdId == fixture.households[0] })
        let other = try #require(members.first { $0.id != member.id && $0.fields["idNumber"] != member.fields["idNumber"] })
        let first = fixture.enrollment
        let now = fixture.clock.now()
        let values = [(first, other.fields["idNumber"]!), (second, member.fields["idNumber"]!)]
        let wholeNumbers = values.compactMap { $0.1.stringValue }
        try await fixture.application().test(.router) { client in
            var id = ""
            for (index, (device, value)) in values.enumerated() {
                // The second phone writes its own value back, concurrently with the first phone's change.
                try await client.execute(
                    uri: "/sync/push", method: .post, headers: Self.headers(device.token),
                    body: try Self.push(device.deviceId, [Self.set(
                        seq: 1, collection: "members", recordId: member.id, fields: ["idNumber": value],
                        base: member.version, device: device.deviceId, physical: now - 30_000 + Int64(index) * 1000)])
                ) { response in
                    let result = try response.decode(PushResponse.self).results.first
                    if index == 1 { id = result?.conflictId ?? "" }
                }
            }
            #expect(id.hasSuffix(".idNumber"))
            try await client.execute(uri: "/admin/v1/conflicts", method: .get, headers: fixture.adminHeaders) { response in
                let text = String(buffer: response.body)
                #expect(text.contains(id))
                for number in wholeNumbers { #expect(!text.contains(number)) }
            }
            try await client.execute(uri: "/admin/v1/conflicts/\(id)", method: .get, headers: fixture.adminHeaders) { response in
                let text = String(buffer: response.body)
                for number in wholeNumbers { #expect(text.contains(number)) }
            }
        }
    }
}
