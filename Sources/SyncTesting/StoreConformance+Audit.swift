import Crypto
import FieldDomain
import Logging
import SyncEngine
import SyncModel
import SyncService
import SyncStore

/// The audit log's guarantees (`AuditLog`; protocol/audit.md): entries for accepted writes only, committed
/// with their write, numbered without gaps and chained.
extension StoreConformance {
    static let auditChecks: [String: Check] = [
        "auditRecordsAcceptedWritesOnlyWithPersonalValuesHashed": auditRecordsAcceptedWritesOnly,
        "auditEntriesCommitWithTheirWriteOrNotAtAll": auditEntriesCommitWithTheirWrite,
        "adminAndDeviceActionsLeaveTheirEntryInTheLog": adminAndDeviceActionsLeaveTheirEntry,
    ]

    static func auditRecordsAcceptedWritesOnly(_ makeStore: @Sendable () async throws -> any SyncStore) async throws {
        let fixture = try await StoreFixture.make(try await makeStore())
        let (helper, households) = try fixture.helper()
        try await fixture.enroll("dev-a", helperId: helper)
        try require(try await fixture.store.auditHead() == .empty, "seeding wrote audit entries")
        let phone = "13912345678"
        let badMember = Mutation(seq: 2, collection: "members", recordId: "\(households[0])-m-bad", op: .create,
                                 fields: ["householdId": .string(households[0]), "name": "王小明", "relation": "child",
                                          "idNumber": "110105194912310021"],
                                 stamp: HLCTimestamp(physical: fixture.clock.now(), logical: 0, node: "dev-a"))
        let batch = [
            fixture.visit("v-audit", seq: 1, device: "dev-a", household: households[0]),
            badMember,
            fixture.setHousehold(households[0], seq: 3, device: "dev-a", fields: ["incomeWage": 12345, "phone": .string(phone)]),
        ]
        let plan = try await fixture.push(batch, device: "dev-a", helper: helper)
        try require(plan.results.map(\.status) == [.applied, .rejected, .applied], "statuses: \(plan.results)")
        let (records, failure) = try await fixture.auditLog()
        try require(failure == nil, "chain broken: \(String(describing: failure))")
        try require(records.map(\.seq) == [1, 2], "one entry per applied mutation, numbered 1, 2: \(records.map(\.seq))")
        let entries = try records.map { try $0.entry() }
        try require(entries.allSatisfy { $0.action == .deviceWrite && $0.actor == helper && $0.deviceId == "dev-a" },
                    "actor or device: \(entries)")
        try require(entries[0].recordKey == RecordKey(.visits, "v-audit") && entries[0].op == "create"
                        && entries[0].revision == 1 && entries[0].detail["seq"] == .int(1), "visit entry: \(entries[0])")
        let household = entries[1]
        try require(household.recordKey == RecordKey(.households, households[0]) && household.op == "set"
                        && household.revision == plan.results[2].version, "household entry: \(household)")
        try require(household.fields["incomeWage"] == .int(12345), "changed field value: \(household.fields)")
        try require(household.fields["phone"]?.stringValue?.hasPrefix(AuditRedactor.prefix) == true,
                    "phone not hashed: \(household.fields)")
        try require(household.fields["phone"] == TestKeys.redactor.hash(.string(phone)), "phone hash is not the keyed hash")
        let text = records.map { String(decoding: $0.body, as: UTF8.self) }.joined()
        try require(!text.contains(phone) && !text.contains("110105194912310021") && !text.contains("m-bad"),
                    "personal data or the rejected mutation in the log")
        let replay = try await fixture.push(batch, device: "dev-a", helper: helper)
        try require(replay.results.allSatisfy { $0.replayed == true }, "replay: \(replay.results)")
        try require(try await fixture.store.auditHead().seq == 2, "a replay appended entries")
    }

    static func auditEntriesCommitWithTheirWrite(_ makeStore: @Sendable () async throws -> any SyncStore) async throws {
        let fixture = try await StoreFixture.make(try await makeStore())
        let (helper, households) = try fixture.helper()
        try await fixture.enroll("dev-a", helperId: helper)
        _ = try await fixture.push([fixture.visit("v1", seq: 1, device: "dev-a", household: households[0])],
                                   device: "dev-a", helper: helper)
        let before = try await fixture.store.auditHead()
        try require(before.seq == 1, "head after one write: \(before)")
        // A push whose transaction fails after its records and entries were written (the store refuses the
        // plan's outcomes) leaves neither.
        let mutations = [fixture.visit("v2", seq: 2, device: "dev-a", household: households[0]),
                         fixture.visit("v3", seq: 3, device: "dev-a", household: households[0])]
        let raw = mutations.map(StoreFixture.json)
        let entries = raw.map(Mutation.parse)
        let planner = PushPlanner(context: PushContext(deviceId: "dev-a", helperId: helper, serverNow: fixture.clock.now()),
                                  redactor: TestKeys.redactor)
        let load = PushLoad(deviceId: "dev-a", scope: .helper(helper), keys: PushPlanner.keysToLoad(entries),
                            seqs: PushPlanner.sequenceNumbers(entries))
        do {
            _ = try await fixture.store.applyPush(load) { snapshot in
                var plan = planner.plan(entries: entries, raw: raw, snapshot: snapshot)
                plan.newOutcomes[1].seq = 9
                return plan
            }
            throw ConformanceFailure("a plan with non-consecutive outcomes was committed")
        } catch let error as SyncStoreError {
            try require(error.code == .corruptRecord, "wrong error \(error)")
        }
        try require(try await fixture.store.record(RecordKey(.visits, "v2")) == nil, "the failed push's record stayed")
        try require(try await fixture.store.auditHead() == before, "the failed push's audit entries stayed")
        // An admin write that throws leaves no entry either; one that succeeds leaves exactly its own.
        struct Refused: Error {}
        let key = RecordKey(.households, households[0])
        do {
            _ = try await fixture.store.updateRecord(key, audit: { _, after in
                [AuditEntry(action: .recordDelete, at: 0, actor: "operator", collection: "households", recordId: after.id)]
            }) { _ in throw Refused() }
            throw ConformanceFailure("a refused change was written")
        } catch is Refused {}
        try require(try await fixture.store.auditHead() == before, "a refused admin write left an entry")
        let tombstone = try await fixture.delete(key)
        try await fixture.store.appendAudit([AuditEntry(action: .deviceEnroll, at: fixture.clock.now(), actor: "operator",
                                                        deviceId: "dev-b")])
        let (records, failure) = try await fixture.auditLog()
        try require(failure == nil, "chain broken: \(String(describing: failure))")
        try require(records.map(\.seq) == [1, 2, 3], "gapless numbering: \(records.map(\.seq))")
        let deleted = try records[1].entry()
        try require(deleted.action == .recordDelete && deleted.op == "delete" && deleted.revision == tombstone.version,
                    "delete entry: \(deleted)")
        try require(try records[2].entry().action == .deviceEnroll, "appended entry")
        try require(records[1].prevHash == records[0].hash && records[2].prevHash == records[1].hash, "entries not linked")
    }

    /// Every audited action that is not a record write (admin accounts, enrolment codes, enrolment with a key
    /// and without, revocation, compaction), done through the service as the routes do it, leaves exactly
    /// its entry, chained; a refused one (a used code, a second revocation, a pass that forgot nothing, an
    /// unknown admin) leaves none. Each store writes these entries in the action's own transaction
    /// (`AdminDirectory`, `DeviceRegistry`, `compact`), so none can be lost between the two.
    static func adminAndDeviceActionsLeaveTheirEntry(_ makeStore: @Sendable () async throws -> any SyncStore) async throws {
        let fixture = try await StoreFixture.make(try await makeStore())
        let (helper, households) = try fixture.helper()
        let random = SeededRandomSource(seed: 23)
        let service = SyncService(store: fixture.store, now: { fixture.clock.now() }, randomBytes: { random.bytes($0) },
                                  auditKey: TestKeys.key, cipher: TestKeys.cipher,
                                  logger: Logger(label: "audit-actions", factory: { _ in SwiftLogNoOpLogHandler() }))
        let operatorId = SyncService.operatorId
        let caller = Principal.admin(id: operatorId, role: .operator, region: "")
        var expected: [(AuditEntry.Action, String)] = []

        let town = String((Scope.village(ofHousehold: households[0]) ?? "522327001").prefix(9))
        let (account, _) = try await service.createAdmin(name: "乡镇管理员", role: .town, region: town, by: caller)
        expected.append((.adminCreate, operatorId))
        _ = try await service.disableAdmin(id: account.id, by: caller)
        expected.append((.adminDisable, operatorId))
        do {
            _ = try await service.disableAdmin(id: "adm-nobody", by: caller)
            throw ConformanceFailure("an unknown admin was disabled")
        } catch let error as ServiceError where error.code == .notFound {}

        let issued = try await service.issueEnrolmentCode(helperId: helper, adminId: nil, label: nil, expiresInHours: 1,
                                                          by: caller)
        expected.append((.enrolmentCodeIssue, operatorId))
        let key = try Curve25519.Signing.PrivateKey(rawRepresentation: [UInt8](repeating: 7, count: 32)).publicKey
        let request = EnrolRequest(code: issued.code, publicKey: Base64URL.encode(key.rawRepresentation), label: "手机")
        let tokens = try await service.enrol(request)
        expected.append((.deviceEnroll, helper))
        do {
            _ = try await service.enrol(request)
            throw ConformanceFailure("a used code enrolled a second device")
        } catch let error as ServiceError where error.code == .enrolmentCodeUsed {}

        _ = try await service.revokeDevice(id: tokens.deviceId, by: caller)
        expected.append((.deviceRevoke, operatorId))
        _ = try await service.revokeDevice(id: tokens.deviceId, by: caller)
        let legacy = try await service.enroll(helperId: helper, label: nil, expiresInDays: 1)
        expected.append((.deviceEnroll, operatorId))

        guard let member = fixture.county.members.first(where: { $0.scope.householdId == households[0] }) else {
            throw ConformanceFailure("household \(households[0]) has no member to delete")
        }
        _ = try await service.deleteRecord(RecordKey(.members, member.id))
        expected.append((.recordDelete, operatorId))
        _ = try await fixture.positioned(RecordKey(.members, member.id))
        fixture.clock.advance(by: 2 * 86_400_000)
        let compacted = try await service.compact(horizonDays: 1)
        try require(compacted.purged >= 1, "the old tombstone was not compacted: \(compacted)")
        expected.append((.compaction, operatorId))
        _ = try await service.compact(horizonDays: 1)

        let (records, failure) = try await fixture.auditLog()
        try require(failure == nil, "chain broken: \(String(describing: failure))")
        let entries = try records.map { try $0.entry() }
        try require(entries.map(\.action) == expected.map(\.0),
                    "actions \(entries.map(\.action.rawValue)), expected \(expected.map(\.0.rawValue))")
        try require(entries.map(\.actor) == expected.map(\.1), "actors \(entries.map(\.actor))")
        try require(entries[0].detail["admin"] == .string(account.id) && entries[1].detail["admin"] == .string(account.id),
                    "admin entries name another account: \(entries[0...1])")
        try require(entries[2].detail["owner"] == .string(helper), "code entry: \(entries[2])")
        try require(entries[3].deviceId == tokens.deviceId && entries[3].detail["keyId"] == .string(tokens.keyId),
                    "enrolment entry: \(entries[3])")
        try require(entries[4].deviceId == tokens.deviceId && entries[4].detail["owner"] == .string(helper),
                    "revocation entry: \(entries[4])")
        try require(entries[5].deviceId == legacy.deviceId, "keyless enrolment entry: \(entries[5])")
        try require(entries[7].detail["purged"] == .int(Int64(compacted.purged)), "compaction entry: \(entries[7])")
    }
}

extension StoreFixture {
    /// The record once it has its log position. On PostgreSQL a write's sequencer tick may, on a loaded
    /// machine, outlast the few seconds the write waits for it; compaction only considers positioned states.
    package func positioned(_ key: RecordKey) async throws -> SyncRecord {
        let deadline = ContinuousClock.now + .seconds(60)
        while true {
            guard let record = try await store.record(key) else { throw ConformanceFailure("\(key) is not stored") }
            if record.position > 0 { return record }
            guard ContinuousClock.now < deadline else { throw ConformanceFailure("\(key) never got a log position") }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// The whole audit log, read in small pages as a verifier would, and the verifier's verdict.
    ///
    /// On PostgreSQL the sequencer chains entries after their commit, so an entry may be chained between
    /// reading the head and reading the pages: the log is read again until head and pages agree (a
    /// consistent read, as `SyncService.verifyAudit` gets by stopping at the head); after 10 s it judges what
    /// it read. `atLeast`: wait, within the same 10 s, until that many entries are chained.
    package func auditLog(pageSize: Int = 2, atLeast: Int64 = 0) async throws
        -> (records: [AuditRecord], failure: AuditVerifier.Break?)
    {
        for attempt in 1...200 {
            let head = try await store.auditHead()
            var records: [AuditRecord] = []
            while true {
                let page = try await store.auditRecords(after: records.last?.seq ?? 0, limit: pageSize)
                guard !page.isEmpty else { break }
                records += page
            }
            // A log that never agrees with its head (an entry deleted behind the chain's back) is judged as read.
            guard attempt == 200 || (head.seq >= atLeast && (records.last?.seq ?? 0) == head.seq) else {
                try await Task.sleep(for: .milliseconds(50))
                continue
            }
            var verifier = AuditVerifier()
            for start in stride(from: 0, to: records.count, by: pageSize) {
                verifier.check(Array(records[start..<min(start + pageSize, records.count)]))
            }
            return (records, verifier.finish(storedHead: head))
        }
        preconditionFailure("unreachable: the last attempt returns")
    }
}
