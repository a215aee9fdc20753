import SyncEngine
import SyncModel
import SyncStore

/// The guarantees every `SyncStore` adapter must keep (DESIGN §3.2–3.4). Each check builds its own fixture
/// on a fresh store from `makeStore` and throws `ConformanceFailure` when a guarantee breaks. The test
/// target runs every check against every adapter.
package enum StoreConformance {
    package typealias Check = @Sendable (_ makeStore: @Sendable () async throws -> any SyncStore) async throws -> Void

    /// The checks by name: these, the scope checks (`StoreConformance+Scope`), the device registry checks
    /// (`StoreConformance+Devices`), the audit checks (`StoreConformance+Audit`), the rejection checks
    /// (`StoreConformance+Rejections`), the in-place rewrite checks (`StoreConformance+Rewrite`) and the 明白卡
    /// ledger checks (`StoreConformance+Cards`).
    package static let checks: [String: Check] = basicChecks.merging(scopeChecks) { first, _ in first }
        .merging(deviceChecks) { first, _ in first }
        .merging(auditChecks) { first, _ in first }
        .merging(rejectionChecks) { first, _ in first }
        .merging(rewriteChecks) { first, _ in first }
        .merging(cardChecks) { first, _ in first }

    static let basicChecks: [String: Check] = [
        "replayedPushChangesNothing": replayedPushChangesNothing,
        "gapAnswersExpectedNumber": gapAnswersExpectedNumber,
        "invalidMutationRejectedRestOfBatchApplies": invalidMutationRejectedRestOfBatchApplies,
        "pagedPullNeverSkipsOrDuplicates": pagedPullNeverSkipsOrDuplicates,
        "pullDeliversOnlyTheDeviceScope": pullDeliversOnlyTheDeviceScope,
        "writeOutsideScopeIsRejected": writeOutsideScopeIsRejected,
        "deviceRegistryRefusesUnknownHelperAndDuplicates": deviceRegistryRefusesUnknownHelperAndDuplicates,
        "syncLogFeedsDeviceStates": syncLogFeedsDeviceStates,
        "noCursorGapUnderConcurrentWriters": { makeStore in try await noCursorGap(nodes: [try await makeStore()]) },
        "olderWriteLosesToNewerStamp": olderWriteLosesToNewerStamp,
        "replaySpanningTwoEarlierPushesAnswersEachStoredOutcome": replaySpanningTwoEarlierPushesAnswersEachStoredOutcome,
        "concurrentRetriesOfOnePushApplyItOnce": { makeStore in
            try await concurrentRetriesApplyOnce(nodes: [try await makeStore()])
        },
        "versionsCountWritesOfARecordAndPositionsOrderTheLog": versionsCountWritesAndPositionsOrderTheLog,
    ]

    static func replayedPushChangesNothing(_ makeStore: @Sendable () async throws -> any SyncStore) async throws {
        let fixture = try await StoreFixture.make(try await makeStore())
        let (helper, households) = try fixture.helper()
        try await fixture.enroll("dev-a", helperId: helper)
        let batch = [
            fixture.setHousehold(households[0], seq: 1, device: "dev-a", fields: ["incomeWage": 12000, "foodSecure": true]),
            fixture.visit("visit-1", seq: 2, device: "dev-a", household: households[0]),
        ]
        let first = try await fixture.push(batch, device: "dev-a", helper: helper)
        try require(first.results.map(\.status) == [.applied, .applied], "first push: \(first.results)")
        let head = try await fixture.store.headVersion()
        let household = try await fixture.store.record(RecordKey(.households, households[0]))
        let replay = try await fixture.push(batch, device: "dev-a", helper: helper)
        try require(replay.results.allSatisfy { $0.replayed == true }, "replay not marked replayed: \(replay.results)")
        try require(replay.results.map(\.version) == first.results.map(\.version), "replay answered other versions")
        try require(try await fixture.store.headVersion() == head, "replay moved the head")
        try require(try await fixture.store.record(RecordKey(.households, households[0])) == household, "replay changed the record")
        try require(replay.lastAppliedSeq == 2, "lastAppliedSeq after replay: \(replay.lastAppliedSeq)")
        try require(try await fixture.store.count(.visits) == 1, "replayed visit duplicated")
    }

    static func gapAnswersExpectedNumber(_ makeStore: @Sendable () async throws -> any SyncStore) async throws {
        let fixture = try await StoreFixture.make(try await makeStore())
        let (helper, households) = try fixture.helper()
        try await fixture.enroll("dev-a", helperId: helper)
        _ = try await fixture.push([fixture.visit("v1", seq: 1, device: "dev-a", household: households[0])],
                                   device: "dev-a", helper: helper)
        let head = try await fixture.store.headVersion()
        let plan = try await fixture.push([fixture.visit("v3", seq: 3, device: "dev-a", household: households[0]),
                                           fixture.visit("v4", seq: 4, device: "dev-a", household: households[0])],
                                          device: "dev-a", helper: helper)
        try require(plan.expectedSeq == 2, "expected 2, got \(String(describing: plan.expectedSeq))")
        try require(plan.results.isEmpty, "entries after a gap must not be processed")
        try require(plan.lastAppliedSeq == 1, "lastAppliedSeq moved across a gap")
        try require(try await fixture.store.headVersion() == head, "a gap changed data")
    }

    static func invalidMutationRejectedRestOfBatchApplies(_ makeStore: @Sendable () async throws -> any SyncStore) async throws {
        let fixture = try await StoreFixture.make(try await makeStore())
        let (helper, households) = try fixture.helper()
        try await fixture.enroll("dev-a", helperId: helper)
        let badMember = Mutation(seq: 2, collection: "members", recordId: "\(households[0])-m-new", op: .create,
                                 fields: ["householdId": .string(households[0]), "name": "王小明", "relation": "child",
                                          "idNumber": "110105194912310021"],
                                 stamp: HLCTimestamp(physical: fixture.clock.now(), logical: 0, node: "dev-a"))
        var raw = [StoreFixture.json(fixture.visit("v1", seq: 1, device: "dev-a", household: households[0])),
                   StoreFixture.json(badMember),
                   StoreFixture.json(fixture.visit("v3", seq: 3, device: "dev-a", household: households[0]))]
        raw.append(.object(["seq": "four", "collection": "visits"]))
        let plan = try await fixture.pushRaw(raw, device: "dev-a", helper: helper)
        try require(plan.results.map(\.status) == [.applied, .rejected, .applied, .rejected],
                    "statuses: \(plan.results.map(\.status))")
        try require(plan.results[1].code == .invalidIdNumber && plan.results[1].field == "idNumber",
                    "rejection: \(plan.results[1])")
        try require(plan.results[3].seq == nil && plan.results[3].code == .malformedMutation,
                    "unreadable entry: \(plan.results[3])")
        try require(plan.lastAppliedSeq == 3, "a rejection must still advance the sequence")
        let kept = try await fixture.store.rejections(deviceIds: ["dev-a"], limit: 10)
        try require(kept.count == 2 && kept.contains { $0.seq == 2 && $0.code == .invalidIdNumber },
                    "rejections kept for admins: \(kept)")
        try require(try await fixture.store.record(RecordKey(.members, "\(households[0])-m-new")) == nil,
                    "rejected member was written")
        try require(try await fixture.store.count(.visits) == 2, "visits around the rejection lost")
        let replay = try await fixture.pushRaw(Array(raw.prefix(3)), device: "dev-a", helper: helper)
        try require(replay.results[1].status == .rejected && replay.results[1].replayed == true,
                    "replayed rejection: \(replay.results[1])")
        try require(try await fixture.store.rejections(deviceIds: ["dev-a"], limit: 10).count == 2,
                    "replay stored the rejection twice")
    }

    static func pagedPullNeverSkipsOrDuplicates(_ makeStore: @Sendable () async throws -> any SyncStore) async throws {
        let fixture = try await StoreFixture.make(try await makeStore(), households: 120)
        let (helper, households) = try fixture.helper(withAtLeast: 2)
        try await fixture.enroll("dev-a", helperId: helper)
        let pages = try await fixture.pullAll(device: "reader", scope: .all, maxBytes: 2048)
        try require(pages.count > 5, "expected many small pages, got \(pages.count)")
        var seen: [RecordKey: Int64] = [:]
        var last: Int64 = 0
        for page in pages {
            try require(page.records.count >= 1 || !page.hasMore, "empty page with hasMore")
            for record in page.records {
                try require(record.position > last, "log positions not ascending: \(record.position) after \(last)")
                last = record.position
                let key = RecordKey(record.collection, record.id)
                try require(seen[key] == nil, "duplicate \(key)")
                seen[key] = record.version
            }
        }
        try require(seen.count == fixture.county.allRecords.count, "saw \(seen.count) of \(fixture.county.allRecords.count)")

        // Changes made between pages are delivered after the cursor, never lost.
        var cursor: Int64 = 0
        var latest: [RecordKey: Int64] = [:]
        var seq: Int64 = 0
        while true {
            let page = try await fixture.store.pull(PullQuery(deviceId: "reader", scope: .all, after: cursor, maxBytes: 4096))
            for record in page.records { latest[RecordKey(record.collection, record.id)] = record.version }
            cursor = page.cursor
            seq += 1
            _ = try await fixture.push([fixture.setHousehold(households[Int(seq) % households.count], seq: seq,
                                                             device: "dev-a", fields: ["incomeWage": .int(1000 + seq)],
                                                             physical: fixture.clock.now() + seq)],
                                       device: "dev-a", helper: helper)
            if !page.hasMore && seq > 40 { break }
        }
        let tail = try await fixture.pullAll(device: "reader", scope: .all, after: cursor)
        for record in tail.flatMap(\.records) { latest[RecordKey(record.collection, record.id)] = record.version }
        for key in households.map({ RecordKey(.households, $0) }) {
            let stored = try await fixture.store.record(key)
            try require(latest[key] == stored?.version, "\(key): reader has \(String(describing: latest[key])), store \(String(describing: stored?.version))")
        }
    }

    static func pullDeliversOnlyTheDeviceScope(_ makeStore: @Sendable () async throws -> any SyncStore) async throws {
        let fixture = try await StoreFixture.make(try await makeStore())
        let (helper, households) = try fixture.helper()
        try await fixture.enroll("dev-a", helperId: helper)
        let records = try await fixture.pullAll(device: "dev-a", scope: .helper(helper)).flatMap(\.records)
        let allowed = Set(households)
        for record in records {
            let own = record.scope.helperId == helper
            let inHousehold = record.scope.householdId.map(allowed.contains) ?? false
            try require(own || inHousehold, "out-of-scope record delivered: \(record.collection)/\(record.id)")
        }
        let delivered = Set(records.filter { $0.collection == .households }.map(\.id))
        try require(delivered == allowed, "households delivered \(delivered.sorted()) ≠ assigned \(allowed.sorted())")
        let expectedMembers = fixture.county.members.filter { allowed.contains($0.scope.householdId ?? "") }.count
        try require(records.filter { $0.collection == .members }.count == expectedMembers, "members of assigned households missing")
        try require(records.contains { $0.collection == .helpers && $0.id == helper }, "own helper profile missing")
    }

    static func writeOutsideScopeIsRejected(_ makeStore: @Sendable () async throws -> any SyncStore) async throws {
        let fixture = try await StoreFixture.make(try await makeStore())
        let (helper, households) = try fixture.helper()
        let (_, others) = try fixture.helper(skipping: [helper])
        try await fixture.enroll("dev-a", helperId: helper)
        let plan = try await fixture.push([
            fixture.setHousehold(others[0], seq: 1, device: "dev-a", fields: ["incomeWage": 1]),
            fixture.visit("v-out", seq: 2, device: "dev-a", household: others[0]),
            Mutation(seq: 3, collection: "assignments", recordId: "\(helper):\(others[0])", op: .create,
                     fields: ["helperId": .string(helper), "householdId": .string(others[0])],
                     stamp: HLCTimestamp(physical: fixture.clock.now(), logical: 0, node: "dev-a")),
            fixture.setHousehold(households[0], seq: 4, device: "dev-a", fields: ["incomeWage": 2]),
        ], device: "dev-a", helper: helper)
        try require(plan.results.map(\.code) == [.outOfScope, .outOfScope, .forbidden, nil], "codes: \(plan.results)")
        let other = try await fixture.store.record(RecordKey(.households, others[0]))
        try require(other?.fields["incomeWage"] != .int(1), "out-of-scope write landed")
    }

    static func deviceRegistryRefusesUnknownHelperAndDuplicates(_ makeStore: @Sendable () async throws -> any SyncStore) async throws {
        let fixture = try await StoreFixture.make(try await makeStore())
        let (helper, _) = try fixture.helper()
        try await fixture.enroll("dev-a", helperId: helper)
        let stored = try await fixture.store.device(id: "dev-a")
        try require(stored?.helperId == helper, "device not stored")
        do {
            try await fixture.enroll("dev-a", helperId: helper)
            throw ConformanceFailure("duplicate device id accepted")
        } catch let error as SyncStoreError {
            try require(error.code == .duplicateDevice, "wrong error \(error)")
        }
        do {
            try await fixture.enroll("dev-b", helperId: "hp-nobody")
            throw ConformanceFailure("device for unknown helper accepted")
        } catch let error as SyncStoreError {
            try require(error.code == .unknownHelper, "wrong error \(error)")
        }
    }

    static func syncLogFeedsDeviceStates(_ makeStore: @Sendable () async throws -> any SyncStore) async throws {
        let fixture = try await StoreFixture.make(try await makeStore())
        let (helper, households) = try fixture.helper()
        try await fixture.enroll("dev-a", helperId: helper)
        _ = try await fixture.pushRaw([.object(["seq": 1, "collection": "nope", "recordId": "x", "op": "set",
                                                "stamp": .string(HLCTimestamp(physical: 1, logical: 0, node: "dev-a").wireValue)]),
                                       StoreFixture.json(fixture.visit("v2", seq: 2, device: "dev-a", household: households[0]))],
                                      device: "dev-a", helper: helper)
        try await fixture.store.appendSyncLog([
            SyncLogEntry(deviceId: "dev-a", kind: .pull, at: 1000, pulled: 5, version: 10, durationMicros: 10,
                         clientVersion: "app/1.0"),
            SyncLogEntry(deviceId: "dev-a", kind: .push, at: 2000, pushed: 2, applied: 1, rejected: 1, version: 12,
                         durationMicros: 10, clientVersion: "app/1.1", clockSkewClamped: true),
            // A later sync that names no client version keeps the last one known.
            SyncLogEntry(deviceId: "dev-a", kind: .push, at: 1500, pushed: 0, version: 12, durationMicros: 10,
                         clientVersion: nil),
        ])
        let head = try await fixture.store.headVersion()
        guard let state = try await fixture.store.deviceStates().first(where: { $0.deviceId == "dev-a" }) else {
            throw ConformanceFailure("device missing from states")
        }
        try require(state.lastSyncAt == 2000 && state.cursorVersion == 10 && state.lag == head - 10,
                    "state: \(state), head \(head)")
        try require(state.lastAppliedSeq == 2 && state.rejectedOpen == 1, "state: \(state)")
        try require(state.clientVersion == "app/1.1" && state.clockSkewFlagged, "state: \(state)")
    }

    static func olderWriteLosesToNewerStamp(_ makeStore: @Sendable () async throws -> any SyncStore) async throws {
        let fixture = try await StoreFixture.make(try await makeStore())
        let (helper, households) = try fixture.helper()
        try await fixture.enroll("dev-a", helperId: helper)
        try await fixture.enroll("dev-b", helperId: helper)
        let now = fixture.clock.now()
        let newer = try await fixture.push([fixture.setHousehold(households[0], seq: 1, device: "dev-a",
                                                                 fields: ["address": "新地址"], physical: now)],
                                           device: "dev-a", helper: helper)
        let older = try await fixture.push([fixture.setHousehold(households[0], seq: 1, device: "dev-b",
                                                                 fields: ["address": "旧地址", "foodSecure": false],
                                                                 physical: now - 60_000)],
                                           device: "dev-b", helper: helper)
        try require(newer.results[0].status == .applied && older.results[0].status == .applied, "both must be applied")
        let record = try await fixture.store.record(RecordKey(.households, households[0]))
        try require(record?.fields["address"] == "新地址", "older stamp overwrote a newer one")
        try require(record?.fields["foodSecure"] == .bool(false), "the older write's other field must still merge")
    }

    static func replaySpanningTwoEarlierPushesAnswersEachStoredOutcome(
        _ makeStore: @Sendable () async throws -> any SyncStore
    ) async throws {
        let fixture = try await StoreFixture.make(try await makeStore())
        let (helper, households) = try fixture.helper()
        try await fixture.enroll("dev-a", helperId: helper)
        let visits = (1...5).map { fixture.visit("v\($0)", seq: Int64($0), device: "dev-a", household: households[0]) }
        var invalid = visits[3]
        invalid.fields["kind"] = "nonsense"
        let first = try await fixture.push(Array(visits[0...1]), device: "dev-a", helper: helper)
        let second = try await fixture.push([visits[2], invalid], device: "dev-a", helper: helper)
        try require(second.results.map(\.status) == [.applied, .rejected], "second push: \(second.results)")
        let resend = try await fixture.push([visits[1], visits[2], invalid, visits[4]], device: "dev-a", helper: helper)
        try require(resend.results.map(\.seq) == [2, 3, 4, 5], "seqs: \(resend.results)")
        try require(resend.results.map(\.replayed) == [true, true, true, nil], "replayed: \(resend.results)")
        try require(resend.results[0].version == first.results[1].version
                        && resend.results[1].version == second.results[0].version, "replayed versions differ")
        try require(resend.results[2].status == .rejected && resend.results[2].code == second.results[1].code,
                    "replayed rejection: \(resend.results[2])")
        try require(resend.results[3].status == .applied && resend.lastAppliedSeq == 5, "new entry: \(resend.results[3])")
        try require(try await fixture.store.count(.visits) == 4, "visits: expected v1, v2, v3, v5")
    }
}
