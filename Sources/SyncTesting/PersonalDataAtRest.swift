import FieldDomain
import SyncEngine
import SyncModel
import SyncService
import SyncStore

/// Writes personal data into a store through every path that stores it — seeding, a device's push, a hard
/// conflict on an ID number, a refused write — with encryption on (`PersonalDataStore`), and returns every
/// ID and phone number written, for a test to look for in the raw database (docs/personal-data.md).
package enum PersonalDataAtRest {
    package struct Written: Sendable {
        /// Every ID and phone number the store was given.
        package var values: Set<String>
        /// A member whose ID number is in a hard conflict.
        package var conflictedMember: RecordKey
        /// The encrypting store over the adapter.
        package var store: PersonalDataStore
        /// The fixture over `store`: devices `dev-a` (next seq 6) and `dev-b` (next seq 2) of `helper` are enrolled.
        package var fixture: StoreFixture
        package var helper: String
        package var households: [String]
    }

    package static func write(into base: any SyncStore, cipher: PersonalDataCipher = TestKeys.cipher) async throws
        -> Written
    {
        let store = PersonalDataStore(wrapping: base, cipher: cipher)
        let fixture = try await StoreFixture.make(store, households: 8)
        var values = Set(fixture.county.allRecords.flatMap { record in
            Domain.schema(for: record.collection).personalFields.compactMap { record.fields[$0.name]?.stringValue }
        })
        let (helper, households) = try fixture.helper()
        let other = try fixture.helper(skipping: [helper]).households[0]
        try await fixture.enroll("dev-a", helperId: helper)
        try await fixture.enroll("dev-b", helperId: helper)
        let phone = "13987654321", otherPhone = "13700001111"
        let newMember = IDNumber.make(regionCode6: "522327", birth: (1988, 3, 14), sequence: 151)
        let firstFix = IDNumber.make(regionCode6: "522327", birth: (1970, 1, 2), sequence: 213)
        let secondFix = IDNumber.make(regionCode6: "522327", birth: (1970, 1, 2), sequence: 215)
        let refused = IDNumber.make(regionCode6: "522327", birth: (1991, 7, 8), sequence: 317)
        values.formUnion([phone, otherPhone, newMember, firstFix, secondFix, refused])
        guard let member = fixture.county.members.first(where: { $0.scope.householdId == households[0] }) else {
            throw ConformanceFailure("fixture household has no member")
        }
        let stamp = { (device: String) in HLCTimestamp(physical: fixture.clock.now(), logical: 0, node: device) }
        let first = try await fixture.push([
            fixture.setHousehold(households[0], seq: 1, device: "dev-a", fields: ["phone": .string(phone)]),
            Mutation(seq: 2, collection: "members", recordId: "\(households[0])-m-new", op: .create,
                     fields: ["householdId": .string(households[0]), "name": "王小明", "relation": "child",
                              "idNumber": .string(newMember)], stamp: stamp("dev-a")),
            Mutation(seq: 3, collection: "members", recordId: member.id, op: .set, fields: ["idNumber": .string(firstFix)],
                     stamp: stamp("dev-a"), baseVersion: member.version),
            // Another helper's household: refused (out_of_scope) and kept for admins, with the phone in it.
            fixture.setHousehold(other, seq: 4, device: "dev-a", fields: ["phone": .string(otherPhone)]),
            Mutation(seq: 5, collection: "members", recordId: "\(other)-m-x", op: .create,
                     fields: ["householdId": .string(other), "name": "李四", "relation": "child",
                              "idNumber": .string(refused)], stamp: stamp("dev-a")),
        ], device: "dev-a", helper: helper)
        // A device's change of a reviewed ID number waits for review (a hard conflict) when it replaces a value.
        try require(first.results.map(\.status) == [.applied, .applied, .conflict, .rejected, .rejected],
                    "first push: \(first.results)")
        fixture.clock.advance(by: 1000)
        // The same base as dev-a's correction: a concurrent, different ID number, also held for review.
        let second = try await fixture.push([
            Mutation(seq: 1, collection: "members", recordId: member.id, op: .set, fields: ["idNumber": .string(secondFix)],
                     stamp: stamp("dev-b"), baseVersion: member.version),
        ], device: "dev-b", helper: helper)
        try require(second.results.map(\.status) == [.conflict], "second push: \(second.results)")
        // Read back through the cipher: the values, not ciphertexts.
        let read = try await store.record(RecordKey(.households, households[0]))
        try require(read?.fields["phone"] == .string(phone), "the phone does not read back")
        let raw = try await base.record(RecordKey(.households, households[0]))
        try require(raw?.fields["phone"]?.stringValue?.hasPrefix(PersonalDataCipher.prefix) == true,
                    "the adapter holds the phone unencrypted")
        let conflicts = try await store.conflicts(ConflictQuery())
        let sides = Set(conflicts.filter { $0.recordId == member.id && $0.field == "idNumber" }
            .flatMap { [$0.existing.value, $0.incoming.value] })
        try require(sides.isSuperset(of: [.string(firstFix), .string(secondFix)]),
                    "the conflicts do not read back their ID numbers")
        return Written(values: values, conflictedMember: RecordKey(.members, member.id), store: store, fixture: fixture,
                       helper: helper, households: households)
    }
}
