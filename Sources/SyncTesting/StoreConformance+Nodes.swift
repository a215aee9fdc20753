import SyncEngine
import SyncModel
import SyncStore

/// The guarantees that concurrency tests: one database behind one or several nodes (issue 8). The
/// conformance suite runs them with one store; the PostgreSQL tests also with two stores over one
/// database, each with its own connection pool, as two server processes would have.
extension StoreConformance {
    /// Concurrent writers and a reader following its cursor never miss or repeat a change. `nodes` are
    /// stores over one database (several server nodes); writers and the reader's successive pages are
    /// spread over them, as a load balancer would.
    package static func noCursorGap(nodes: [any SyncStore]) async throws {
        let fixture = try await StoreFixture.make(nodes[0], households: 200)
        let onNode = nodes.map { StoreFixture(store: $0, county: fixture.county, clock: fixture.clock) }
        var writers: [(device: String, helper: String, households: [String])] = []
        var used = Set<String>()
        for index in 0..<8 {
            let (helper, households) = try fixture.helper(skipping: used)
            used.insert(helper)
            try await fixture.enroll("dev-\(index)", helperId: helper)
            writers.append(("dev-\(index)", helper, households))
        }
        let batches = 15
        let reader = try await withThrowingTaskGroup(of: (view: [RecordKey: Int64], cursor: Int64)?.self) { group in
            for (index, writer) in writers.enumerated() {
                let node = onNode[index % onNode.count]
                group.addTask {
                    for batch in 0..<batches {
                        let base = Int64(batch * 4)
                        let mutations = (1...4).map { offset -> Mutation in
                            let seq = base + Int64(offset)
                            return offset % 2 == 0
                                ? fixture.visit("\(writer.device)-v\(seq)", seq: seq, device: writer.device,
                                                household: writer.households[0])
                                : fixture.setHousehold(writer.households[Int(seq) % writer.households.count], seq: seq,
                                                       device: writer.device, fields: ["incomeWage": .int(seq)],
                                                       physical: fixture.clock.now() + seq)
                        }
                        let plan = try await node.push(mutations, device: writer.device, helper: writer.helper)
                        try require(plan.lastAppliedSeq == base + 4, "\(writer.device) lastApplied \(plan.lastAppliedSeq)")
                    }
                    return nil
                }
            }
            group.addTask {
                // A reader that follows its cursor while writers commit must end up with every record at
                // its final log position: any change it skipped would be lost to it for good.
                var cursor: Int64 = 0
                var view: [RecordKey: Int64] = [:]
                for round in 0..<200 {
                    let page = try await nodes[round % nodes.count].pull(
                        PullQuery(deviceId: "reader", scope: .all, after: cursor, maxBytes: 8192))
                    for record in page.records { view[RecordKey(record.collection, record.id)] = record.position }
                    cursor = page.cursor
                    await Task.yield()
                }
                return (view, cursor)
            }
            var reader: (view: [RecordKey: Int64], cursor: Int64) = ([:], 0)
            for try await result in group { if let result { reader = result } }
            return reader
        }
        // Writers are done: the reader catches up from its own cursor, as a device would.
        var view = reader.view
        for page in try await fixture.pullAll(device: "reader", scope: .all, after: reader.cursor) {
            for record in page.records { view[RecordKey(record.collection, record.id)] = record.position }
        }
        let everything = try await fixture.pullAll(device: "reader", scope: .all).flatMap(\.records)
        let truth = Dictionary(uniqueKeysWithValues: everything.map { (RecordKey($0.collection, $0.id), $0.position) })
        try require(Set(truth.values).count == truth.count, "two records share a log position")
        try require(truth.values.allSatisfy { $0 > 0 }, "a record was delivered without a log position")
        try require(view == truth, "reader view differs from the store: \(view.count) vs \(truth.count) records")
        try require(try await fixture.store.count(.visits) == writers.count * batches * 2, "visits lost or duplicated")
        // Every write has its audit entry, and writers on every node built one unbroken chain.
        let (audit, failure) = try await fixture.auditLog(pageSize: 100)
        try require(failure == nil, "audit chain broken: \(String(describing: failure))")
        try require(audit.count == writers.count * batches * 4, "audit entries: \(audit.count), writes: \(writers.count * batches * 4)")
    }

    /// A device whose push timed out retries it, through another connection or node, while the first
    /// attempt may still be committing: every attempt answers the same outcomes and the batch lands once.
    package static func concurrentRetriesApplyOnce(nodes: [any SyncStore]) async throws {
        let fixture = try await StoreFixture.make(nodes[0])
        let onNode = nodes.map { StoreFixture(store: $0, county: fixture.county, clock: fixture.clock) }
        let (helper, households) = try fixture.helper()
        try await fixture.enroll("dev-a", helperId: helper)
        let batch = (1...5).map { fixture.visit("v\($0)", seq: Int64($0), device: "dev-a", household: households[0]) }
            + [fixture.setHousehold(households[0], seq: 6, device: "dev-a", fields: ["incomeWage": 4242])]
        let plans = try await withThrowingTaskGroup(of: PushPlan.self) { group in
            for attempt in 0..<6 {
                let node = onNode[attempt % onNode.count]
                group.addTask { try await node.push(batch, device: "dev-a", helper: helper) }
            }
            var plans: [PushPlan] = []
            for try await plan in group { plans.append(plan) }
            return plans
        }
        let versions = Set(plans.map { $0.results.map(\.version) })
        try require(versions.count == 1, "attempts answered different versions: \(versions)")
        try require(plans.allSatisfy { $0.lastAppliedSeq == 6 }, "lastAppliedSeq: \(plans.map(\.lastAppliedSeq))")
        try require(plans.filter { $0.results.allSatisfy { $0.replayed != true } }.count == 1,
                    "exactly one attempt applies, the others replay: \(plans.map { $0.results.map(\.replayed) })")
        try require(try await fixture.store.count(.visits) == 5, "visits landed more than once")
    }

    /// A record's version is its own revision: 1 when created, +1 per write of it, whatever else is written
    /// meanwhile; each committed state gets a new log position above every earlier one, and the head is the
    /// newest position (docs/log-positions.md).
    static func versionsCountWritesAndPositionsOrderTheLog(_ makeStore: @Sendable () async throws -> any SyncStore)
        async throws
    {
        let fixture = try await StoreFixture.make(try await makeStore())
        let (helper, households) = try fixture.helper(withAtLeast: 2)
        try await fixture.enroll("dev-a", helperId: helper)
        let key = RecordKey(.households, households[0])
        let before = try await fixture.store.record(key)
        guard let before else { throw ConformanceFailure("household \(key) missing") }
        var position = try await fixture.store.headVersion()
        try require(before.position > 0 && before.position <= position, "seeded position \(before.position), head \(position)")
        for seq in Int64(1)...3 {
            // Another record's write between two writes of this one must not move its version.
            let plan = try await fixture.push([
                fixture.visit("vv\(seq)", seq: seq * 2 - 1, device: "dev-a", household: households[1]),
                fixture.setHousehold(key.id, seq: seq * 2, device: "dev-a", fields: ["incomeWage": .int(987_650 + seq)],
                                     physical: fixture.clock.now() + seq),
            ], device: "dev-a", helper: helper)
            try require(plan.results.map(\.version) == [1, before.version + seq],
                        "versions \(plan.results.map(\.version)), expected [1, \(before.version + seq)]: \(plan.results)")
            let stored = try await fixture.store.record(key)
            try require(stored?.version == before.version + seq, "stored version \(String(describing: stored?.version))")
            let head = try await fixture.store.headVersion()
            try require((stored?.position ?? 0) > position && (stored?.position ?? 0) <= head,
                        "position \(String(describing: stored?.position)) not above \(position) and within head \(head)")
            position = stored?.position ?? 0
        }
        let deleted = try await fixture.delete(key)
        try require(deleted.version == before.version + 4, "an admin write took version \(deleted.version)")
        // The write returns once it has a position, except that PostgreSQL stops waiting after 3 s when its
        // sequencer tick is slow (the port's contract; a loaded CI machine got there once): read the
        // record back until it has one, for up to 10 s.
        var moved = deleted.position
        for _ in 0..<100 where moved <= position {
            try await Task.sleep(for: .milliseconds(100))
            moved = try await fixture.store.record(key)?.position ?? 0
        }
        try require(moved > position, "an admin write did not move the record up the log")
        let unchanged = try await fixture.push([
            fixture.setHousehold(key.id, seq: 7, device: "dev-a", fields: ["incomeWage": 1]),
        ], device: "dev-a", helper: helper)
        try require(unchanged.results.first?.version == deleted.version, "a set on a tombstone changed its version")
    }
}
