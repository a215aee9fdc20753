import FieldDomain
import Foundation
import GRDB
import Synchronization
@testable import SyncStoreSQLite
import SyncEngine
import SyncModel
import SyncStore
import SyncTesting
import Testing

/// Group commit: concurrent pushes share transactions, yet each stands or falls alone.
@Suite struct GroupCommitTests {
    @Test func failingPushInASharedTransactionRollsBackAloneAndTheOthersCommit() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bangfu-gc-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let fixture = try await StoreFixture.make(try SQLiteSyncStore(path: directory.appendingPathComponent("s.sqlite").path),
                                                  households: 200)
        var writers: [(String, String, String)] = []
        var used = Set<String>()
        for index in 0..<24 {
            let (helper, households) = try fixture.helper(skipping: used)
            used.insert(helper)
            try await fixture.enroll("dev-\(index)", helperId: helper)
            writers.append(("dev-\(index)", helper, households[0]))
        }
        let outcomes = try await withThrowingTaskGroup(of: (Int, Bool).self) { group in
            for (index, writer) in writers.enumerated() {
                group.addTask {
                    let mutation = fixture.visit("v-\(index)", seq: 1, device: writer.0, household: writer.2)
                    let entries = [PushEntry.success(mutation)]
                    let planner = PushPlanner(context: PushContext(deviceId: writer.0, helperId: writer.1,
                                                                   serverNow: fixture.clock.now()),
                                              redactor: TestKeys.redactor)
                    let load = PushLoad(deviceId: writer.0, scope: .helper(writer.1), keys: PushPlanner.keysToLoad(entries),
                                        seqs: [1])
                    do {
                        _ = try await fixture.store.applyPush(load) { snapshot in
                            var plan = planner.plan(entries: entries, raw: [mutation.jsonValue], snapshot: snapshot)
                            // Device 7's plan is corrupt: its outcomes skip numbers, which the store refuses
                            // inside the shared transaction after it has written the record.
                            if index == 7 { plan.newOutcomes.append(.applied(seq: 5, version: 1)) }
                            return plan
                        }
                        return (index, true)
                    } catch {
                        return (index, false)
                    }
                }
            }
            var outcomes: [Int: Bool] = [:]
            for try await (index, ok) in group { outcomes[index] = ok }
            return outcomes
        }
        #expect(outcomes[7] == false)
        #expect(outcomes.filter { $0.value }.count == 23)
        #expect(try await fixture.store.record(RecordKey(.visits, "v-7")) == nil)
        #expect(try await fixture.store.device(id: "dev-7") != nil)
        for index in 0..<24 where index != 7 {
            #expect(try await fixture.store.record(RecordKey(.visits, "v-\(index)")) != nil, "v-\(index) lost")
        }
        // The failed push left no trace: its device can push seq 1 again and it applies.
        let retry = try await fixture.push([fixture.visit("v-7", seq: 1, device: "dev-7", household: writers[7].2)],
                                           device: "dev-7", helper: writers[7].1)
        #expect(retry.results.first?.status == .applied && retry.results.first?.replayed == nil)
    }

    @Test func cancelledLeaderDoesNotFailThePushesItCarries() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bangfu-gc-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let pool = try DatabasePool(path: directory.appendingPathComponent("g.sqlite").path)
        try await pool.write { db in try db.execute(sql: "CREATE TABLE done (name TEXT NOT NULL)") }
        let release = Mutex(false)
        let emptyPlan = PushPlanner(context: PushContext(deviceId: "d", helperId: "h", serverNow: 0),
                                    redactor: TestKeys.redactor).plan(
            entries: [], raw: [], snapshot: PushSnapshot(lastAppliedSeq: 0, storedOutcomes: [:], records: [:],
                                                         scope: Scope.households([])))
        let committer = GroupCommitter(writer: pool) { db, load, _ in
            if load.deviceId == "blocker" {
                // Hold the writer until the test has queued everything behind it.
                while !release.withLock({ $0 }) { Thread.sleep(forTimeInterval: 0.005) }
            }
            try db.execute(sql: "INSERT INTO done (name) VALUES (?)", arguments: [load.deviceId])
            return emptyPlan
        }
        func submit(_ name: String) -> Task<PushPlan, any Error> {
            Task { try await committer.submit(PushLoad(deviceId: name, scope: .helper("h"), keys: [], seqs: []), planner: { _ in emptyPlan }) }
        }
        let blocker = submit("blocker")
        try await Task.sleep(for: .milliseconds(100))
        // Queued first, so it leads the next batch and carries the others.
        let cancelled = submit("cancelled")
        try await Task.sleep(for: .milliseconds(100))
        let carried = (0..<10).map { submit("carried-\($0)") }
        try await Task.sleep(for: .milliseconds(100))
        cancelled.cancel()
        release.withLock { $0 = true }
        _ = try await blocker.value
        for task in carried { _ = try await task.value }
        let done = try await pool.read { db in try String.fetchAll(db, sql: "SELECT name FROM done") }
        #expect(Set(done).isSuperset(of: (0..<10).map { "carried-\($0)" }))
        _ = try? await cancelled.value
    }
}
