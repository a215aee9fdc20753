import ArgumentParser
import FieldDomain
import Foundation
import Logging
import SyncEngine
import SyncModel
import SyncService
import SyncStore
import SyncStoreSQLite
import SyncTesting

/// `bangfu-bench push` (the default): times the server's push path stage by stage, without the network, so
/// a figure in BENCHMARKS.md can be traced to its cost (parse, plan, store transaction, whole service push).
struct PushBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "push", abstract: "Stage-by-stage timings of the push path (run a release build).")

    @Option(help: "Households in the seeded county.") var households: Int = 20000
    @Option(help: "Mutations per push.") var batch: Int = 50
    @Option(help: "Pushes per stage.") var pushes: Int = 400
    @Option(help: "Devices taking turns.") var devices: Int = 100
    @Option(help: "Household field merges timed by the merge stages.") var merges: Int = 200_000

    func run() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bangfu-bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SQLiteSyncStore(path: directory.appendingPathComponent("bench.sqlite").path)
        let fixture = try await StoreFixture.make(store, households: households, seed: 42)
        let random = SeededRandomSource(seed: 1)
        let service = SyncService(store: store, now: { Int64(Date().timeIntervalSince1970 * 1000) },
                                  randomBytes: { random.bytes($0) }, auditKey: TestKeys.key, cipher: TestKeys.cipher,
                                  logger: BenchSupport.quietLogger)
        var identities: [(DeviceIdentity, String)] = []
        var used = Set<String>()
        for _ in 0..<devices {
            let (helper, households) = try fixture.helper(skipping: used)
            used.insert(helper)
            let enrollment = try await service.enroll(helperId: helper, label: nil, expiresInDays: 1)
            identities.append((DeviceIdentity(deviceId: enrollment.deviceId, helperId: helper), households[0]))
        }
        var seqs = [Int64](repeating: 0, count: devices)
        func body(_ index: Int) -> [UInt8] {
            let (identity, household) = identities[index]
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            let mutations: [JSONValue] = (1...batch).map { offset in
                ["seq": .int(seqs[index] + Int64(offset)), "collection": "visits", "recordId": .string(random.uuid()),
                 "op": "create",
                 "fields": ["kind": "household", "householdId": .string(household),
                            "visitedAt": "2026-11-20T09:30:00+08:00", "notes": "负载测试走访记录",
                            "checks": ["incomeVerified": true, "satisfaction": "satisfied"]],
                 "stamp": .string(HLCTimestamp(physical: now, logical: UInt32(offset), node: identity.deviceId).wireValue)]
            }
            seqs[index] += Int64(batch)
            return JSONWriter.bytes(["deviceId": .string(identity.deviceId), "mutations": .array(mutations)])
        }
        print("bangfu-bench: \(households) households, pushes of \(batch) visits, \(pushes) pushes per stage")
        try benchMerges(fixture.county.households[0])

        let bodies = (0..<pushes).map { body($0 % devices) }
        let parse = try measure(pushes) { index in _ = try PushEnvelope.parse(bodies[index]) }
        report("parse push body (JSONParser)", parse)

        let envelopes = try bodies.map { try PushEnvelope.parse($0) }
        let plan = try measure(pushes) { index in
            let envelope = envelopes[index]
            let identity = identities[index % devices].0
            let entries = envelope.mutations.map(Mutation.parse)
            let planner = PushPlanner(context: PushContext(deviceId: identity.deviceId, helperId: identity.helperId,
                                                           serverNow: Int64(Date().timeIntervalSince1970 * 1000)),
                                      redactor: TestKeys.redactor)
            let household = identities[index % devices].1
            let snapshot = PushSnapshot(
                lastAppliedSeq: 0, storedOutcomes: [:],
                records: [RecordKey(.households, household): fixture.county.households.first { $0.id == household }!],
                scope: Scope.households([household]))
            _ = planner.plan(entries: entries, raw: envelope.mutations, snapshot: snapshot)
        }
        report("plan (validate + merge, pure)", plan)

        let pushStage = try await measureAsync(pushes) { index in
            _ = try await service.push(envelopes[index], from: identities[index % devices].0)
        }
        report("service push (store transaction, SQLite FULL sync)", pushStage)
    }

    /// The engine's merge rate on household writes, half of them concurrent with another device's write of
    /// the same fields (so reviewed fields open hard conflicts and the rest log soft ones).
    func benchMerges(_ seeded: SyncRecord) throws {
        var record = seeded
        record.version = 1000
        record.materializeFieldVersions()
        // Eight kinds of write; each round of eight comes from the other device, every second round from a
        // stale base, with values that change from round to round.
        func write(_ index: Int) -> [String: JSONValue] {
            let round = index / 8
            let amount = JSONValue.int(Int64(12_000 + (round % 3) * 3_000))
            switch index % 8 {
            case 0: return ["incomeWage": amount]
            case 1: return ["incomeBusiness": amount, "phone": .string("1380000000\(round % 10)")]
            case 2: return ["causes": round % 2 == 0 ? ["illness"] : ["disability", "lackSkills"]]
            case 3: return ["policies.dibao": round % 3 == 0 ? .null : .object(["amount": amount])]
            case 4: return ["address": .string("新村\(round % 5)号")]
            case 5: return ["status": round % 2 == 0 ? "notLifted" : "lifted"]
            case 6: return ["drinkingWaterSecure": .bool(round % 2 == 0), "housingSecure": true]
            default: return ["productionCost": amount]
            }
        }
        let merger = FieldMerger(schema: Domain.schema(for: .households))
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        var conflicts = 0
        let start = ContinuousClock.now
        for index in 0..<merges {
            let round = index / 8
            let device = round % 2 == 0 ? "dev-a" : "dev-b"
            let write = FieldMerger.Write(
                fields: write(index),
                stamp: HLCTimestamp(physical: now + Int64(index), logical: 0, node: device),
                baseVersion: round % 4 < 2 ? record.version : record.version - 8, deviceId: device,
                newVersion: record.version + 1)
            let outcome = merger.merge(write, into: record)
            conflicts += outcome.hardConflicts.count
            if !outcome.changedFields.isEmpty {
                record.fields = outcome.fields
                record.stamps = outcome.stamps
                record.fieldVersions = outcome.fieldVersions
                record.version += 1
            }
        }
        let seconds = BenchSupport.seconds(ContinuousClock.now - start)
        print(String(format: "%-52@ %8.3f µs/merge %10.0f merges/s (%d hard conflicts)",
                     "merge household write (FieldMerger)" as NSString, seconds / Double(merges) * 1e6,
                     Double(merges) / seconds, conflicts))

        // The whole pure push path for conflict-heavy household edits: 50 sets per push, from a stale base.
        let pushesNeeded = max(1, merges / 50)
        var snapshotRecord = record
        snapshotRecord.openConflicts = []
        let key = RecordKey(.households, record.id)
        let planStart = ContinuousClock.now
        var planned = 0
        var opened = 0
        for push in 0..<pushesNeeded {
            let device = push % 2 == 0 ? "dev-a" : "dev-b"
            let raw: [JSONValue] = (0..<50).map { offset in
                ["seq": .int(Int64(offset + 1)), "collection": "households", "recordId": .string(record.id), "op": "set",
                 "fields": .object(write(push * 50 + offset)), "baseVersion": 900,
                 "stamp": .string(HLCTimestamp(physical: now + Int64(offset), logical: 0, node: device).wireValue)]
            }
            let planner = PushPlanner(context: PushContext(deviceId: device, helperId: "hp", serverNow: now + 60_000),
                                      redactor: TestKeys.redactor)
            let plan = planner.plan(
                entries: raw.map(Mutation.parse), raw: raw,
                snapshot: PushSnapshot(lastAppliedSeq: 0, storedOutcomes: [:],
                                       records: [key: snapshotRecord],
                                       scope: Scope.households([record.id])))
            planned += plan.results.count
            opened += plan.conflicts.count { $0.kind == .hard }
        }
        let planSeconds = BenchSupport.seconds(ContinuousClock.now - planStart)
        print(String(format: "%-52@ %8.3f µs/mutation %10.0f mutations/s (%d hard conflicts)",
                     "plan conflict-heavy household pushes (pure)" as NSString, planSeconds / Double(planned) * 1e6,
                     Double(planned) / planSeconds, opened))
    }

    func measure(_ count: Int, _ body: (Int) throws -> Void) throws -> Duration {
        let start = ContinuousClock.now
        for index in 0..<count { try body(index) }
        return ContinuousClock.now - start
    }

    func measureAsync(_ count: Int, _ body: (Int) async throws -> Void) async throws -> Duration {
        let start = ContinuousClock.now
        for index in 0..<count { try await body(index) }
        return ContinuousClock.now - start
    }

    func report(_ stage: String, _ total: Duration) {
        let seconds = BenchSupport.seconds(total)
        let perPush = seconds / Double(pushes) * 1000
        let perSecond = Double(pushes * batch) / seconds
        print(String(format: "%-52@ %8.3f ms/push %10.0f mutations/s", stage as NSString, perPush, perSecond))
    }
}
