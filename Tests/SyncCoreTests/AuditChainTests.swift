import Crypto
import FieldDomain
import SyncEngine
import SyncModel
import SyncTesting
import Testing

/// The audit log's canonical encoding, chain and verifier as pure functions (protocol/audit.md).
@Suite struct AuditChainTests {
    static var key: SymmetricKey { SymmetricKey(data: (0..<32).map { UInt8($0) }) }
    static let redactor = AuditRedactor(key: key)

    static var vectorEntries: [AuditEntry] {
        [
            AuditEntry(action: .deviceWrite, at: 1_795_313_100_000, actor: "hp-0001", deviceId: "dev-a",
                       collection: "households", recordId: "5223270011020001", op: "set", revision: 3,
                       fields: redactor.redact(["incomeWage": 12000, "phone": "13912345678"], in: .households),
                       detail: ["seq": 7]),
            AuditEntry(action: .deviceEnroll, at: 1_795_313_160_000, actor: "operator",
                       deviceId: "9f1c2d3e-0000-4000-8000-000000000001",
                       detail: ["owner": "hp-0001", "expiresAt": 1_826_849_160_000]),
        ]
    }

    /// The worked example of protocol/audit.md §4, byte for byte.
    @Test func testVectorMatchesTheSpec() throws {
        let entries = Self.vectorEntries
        let phone = "hmac:baf81872a460f666ac8a9036fbd3681355c4d50df8e311e29e2826846afad74c"
        #expect(entries[0].fields["phone"] == .string(phone))
        #expect(String(decoding: entries[0].body, as: UTF8.self) == """
            {"action":"device.write","actor":"hp-0001","at":1795313100000,"collection":"households",\
            "detail":{"seq":7},"device":"dev-a","fields":{"incomeWage":12000,"phone":"\(phone)"},"op":"set",\
            "recordId":"5223270011020001","revision":3}
            """)
        let (records, head) = AuditChain.link(entries.map(\.body), after: .empty)
        #expect(records[0].prevHash == String(repeating: "0", count: 64))
        #expect(records[0].hash == "57ddf0bcfbad4fc5d6b4a58e0d101156faac5ac8c777ae54fe6ee91032e51eb9")
        #expect(records[1].prevHash == records[0].hash)
        #expect(records[1].hash == "5d5916c681b57f78161ef61fa3fcb0f5e11d983f89293598e85c1164795b2733")
        #expect(head == AuditHead(seq: 2, hash: records[1].hash))
        #expect(try records[0].entry() == entries[0])
        #expect(AuditHead(anchor: head.description) == head)
    }

    /// Personal data is whatever the catalogue marks personal, in that collection: not a key name.
    @Test func onlyCatalogPersonalFieldsAreHashed() {
        let members = Self.redactor.redact(["idNumber": "110105194912310021", "name": "王小明"], in: .members)
        #expect(members["idNumber"]?.stringValue?.hasPrefix("hmac:") == true)
        #expect(members["name"] == "王小明")
        #expect(Self.redactor.redact(["phone": "13912345678"], in: .helpers)["phone"]?.stringValue?.hasPrefix("hmac:") == true)
        // Visits declare no phone: a same-named extension field is not in the catalogue's personal set.
        #expect(Self.redactor.redact(["phone": "x"], in: .visits)["phone"] == "x")
        #expect(Self.redactor.redact(["phone": .null], in: .households)["phone"] == .null)
        #expect(Domain.allSchemas.flatMap(\.fields).filter(\.isPersonal).map(\.name).sorted() == ["idNumber", "phone", "phone"])
    }

    static func chain(_ count: Int) -> [AuditRecord] {
        let bodies = (1...count).map { index in
            AuditEntry(action: .deviceWrite, at: Int64(index), actor: "hp", collection: "visits", recordId: "v\(index)").body
        }
        return AuditChain.link(bodies, after: .empty).records
    }

    static func verify(_ records: [AuditRecord], head: AuditHead?, anchor: AuditHead? = nil) -> AuditVerifier.Break? {
        var verifier = AuditVerifier(anchor: anchor)
        verifier.check(records)
        return verifier.finish(storedHead: head)
    }

    @Test func anUntouchedChainVerifiesAndEveryTamperingIsNamed() {
        let records = Self.chain(6)
        let head = AuditHead(seq: 6, hash: records[5].hash)
        #expect(Self.verify(records, head: head) == nil)
        #expect(Self.verify([], head: nil) == nil)

        var edited = records
        edited[2].body = AuditEntry(action: .deviceWrite, at: 3, actor: "someone-else", collection: "visits", recordId: "v3").body
        #expect(Self.verify(edited, head: head).map { [$0.seq] + [$0.reason == .edited ? 1 : 0] } == [3, 1])

        var deleted = records
        deleted.remove(at: 3)
        #expect(Self.verify(deleted, head: head)?.reason == .deleted)
        #expect(Self.verify(deleted, head: head)?.seq == 4)

        var swapped = records
        swapped.swapAt(2, 3)
        (swapped[2].seq, swapped[3].seq) = (3, 4)
        #expect(Self.verify(swapped, head: head)?.reason == .reordered)
        #expect(Self.verify(swapped, head: head)?.seq == 3)

        // Out of order as read (numbers kept): caught too.
        var unsorted = records
        unsorted.swapAt(2, 3)
        #expect(Self.verify(unsorted, head: head)?.reason != nil)

        let truncated = Array(records.prefix(4))
        #expect(Self.verify(truncated, head: head)?.reason == .headMismatch)
        #expect(Self.verify(truncated, head: head)?.seq == 5)
        // With the head row rewritten too, only an anchor kept outside the database shows it.
        let rewritten = AuditHead(seq: 4, hash: records[3].hash)
        #expect(Self.verify(truncated, head: rewritten) == nil)
        #expect(Self.verify(truncated, head: rewritten, anchor: head)?.reason == .anchorMismatch)
        #expect(Self.verify(records, head: head, anchor: AuditHead(seq: 3, hash: records[2].hash)) == nil)
        #expect(Self.verify(records, head: head, anchor: AuditHead(seq: 3, hash: records[1].hash))?.reason == .anchorMismatch)
    }

    /// The planner audits each applied mutation with what changed, and nothing it rejected.
    @Test func plannerAuditsAppliedMutationsOnly() throws {
        let now: Int64 = 1_795_313_100_000
        let household = SyncRecord(collection: .households, id: "5223270011020001", version: 2,
                                   fields: ["householdNo": "5223270011020001", "villageCode": "522327001102",
                                            "headName": "王建国", "status": "notLifted", "causes": ["illness"],
                                            "incomeWage": 1000, "phone": "13800000000"],
                                   stamps: [:], scope: RecordScope(householdId: "5223270011020001", villageCode: "522327001102"))
        let snapshot = PushSnapshot(lastAppliedSeq: 0, storedOutcomes: [:],
                                    records: [RecordKey(.households, household.id): household],
                                    scope: .households([household.id]))
        let stamp = HLCTimestamp(physical: now, logical: 0, node: "dev-a")
        let raw: [JSONValue] = [
            Mutation(seq: 1, collection: "households", recordId: household.id, op: .set,
                     fields: ["incomeWage": 2000, "phone": "13911112222", "headName": "王建国"], stamp: stamp).jsonValue,
            Mutation(seq: 2, collection: "households", recordId: household.id, op: .set, fields: ["incomeWage": -5],
                     stamp: stamp).jsonValue,
        ]
        let plan = PushPlanner(context: PushContext(deviceId: "dev-a", helperId: "hp1", serverNow: now),
                               redactor: Self.redactor).plan(entries: raw.map(Mutation.parse), raw: raw, snapshot: snapshot)
        #expect(plan.results.map(\.status) == [.applied, .rejected])
        #expect(plan.audit.count == 1)
        let entry = try #require(plan.audit.first)
        #expect(entry.actor == "hp1" && entry.deviceId == "dev-a" && entry.revision == 3 && entry.op == "set")
        #expect(Set(entry.fields.keys) == ["incomeWage", "phone"])
        #expect(entry.fields["incomeWage"] == 2000)
        #expect(entry.fields["phone"] == Self.redactor.hash("13911112222"))
    }
}
