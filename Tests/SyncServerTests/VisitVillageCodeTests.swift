import Foundation
import Hummingbird
import HummingbirdTesting
import SyncModel
import Testing

/// A visit's `villageCode` is checked for its format before the scope rules compare it, so a malformed code
/// is `invalid_region_code` and a well-formed foreign one `out_of_scope` (protocol/README.md §6.4).
@Suite struct VisitVillageCodeTests {
    @Test func malformedVillageCodeIsInvalidRegionCodeAndAForeignOneOutOfScope() async throws {
        let fixture = try await ServerFixture.make()
        let household = fixture.households[0]
        let village = String(household.prefix(12))
        let foreign = village == "522327999999" ? "522327999998" : "522327999999"
        func visit(_ seq: Int64, kind: String, householdId: String?, villageCode: String) -> JSONValue {
            var fields: [String: JSONValue] = ["kind": .string(kind), "villageCode": .string(villageCode),
                                               "visitedAt": "2026-11-20T09:30:00+08:00"]
            if let householdId { fields["householdId"] = .string(householdId) }
            return ["seq": .int(seq), "collection": "visits", "recordId": .string(UUID().uuidString.lowercased()),
                    "op": "create", "fields": .object(fields), "stamp": fixture.stamp(UInt32(seq))]
        }
        let body = try fixture.pushBody([
            visit(1, kind: "household", householdId: household, villageCode: "52232700100X"),
            visit(2, kind: "household", householdId: household, villageCode: "5223"),
            visit(3, kind: "village", householdId: nil, villageCode: "not-a-code"),
            visit(4, kind: "household", householdId: household, villageCode: foreign),
            visit(5, kind: "village", householdId: nil, villageCode: foreign),
            visit(6, kind: "household", householdId: household, villageCode: village),
        ])
        try await fixture.application().test(.router) { client in
            let push = try await client.execute(uri: "/sync/push", method: .post, headers: fixture.deviceHeaders,
                                                body: body) { try $0.decode(PushResponse.self) }
            #expect(push.results.map { $0.code?.rawValue ?? $0.status.rawValue } == [
                "invalid_region_code", "invalid_region_code", "invalid_region_code", "out_of_scope", "out_of_scope",
                "applied",
            ])
            #expect(push.results.prefix(5).allSatisfy { $0.field == "villageCode" })
        }
    }
}
