import ArgumentParser
import Foundation
import Logging
import SyncEngine
import SyncModel
import SyncService
import SyncStore
import SyncStoreSQLite
import SyncTesting

/// `bangfu-bench`: times the server's push path stage by stage, without the network, so a figure in
/// BENCHMARKS.md can be traced to its cost (parse, plan, store transaction, whole service push).
@main
struct BangfuBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bangfu-bench", abstract: "Stage-by-stage timings of the push path (run a release build).")

    @Option(help: "Households in the seeded county.") var households: Int = 20000
    @Option(help: "Mutations per push.") var batch: Int = 50
    @Option(help: "Pushes per stage.") var pushes: Int = 400
    @Option(help: "Devices taking turns.") var devices: Int = 100

    func run() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bangfu-bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SQLiteSyncStore(path: directory.appendingPathComponent("bench.sqlite").path)
        let fixture = try await StoreFixture.make(store, households: households, seed: 42)
        let random = SeededRandomSource(seed: 1)
        let service = SyncService(store: store, now: { Int64(Date().timeIntervalSince1970 * 1000) },
                                  randomBytes: { random.bytes($0) }, logger: Self.quietLogger)
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

        let bodies = (0..<pushes).map { body($0 % devices) }
        let parse = try measure(pushes) { index in _ = try PushEnvelope.parse(bodies[index]) }
        report("parse push body (JSONParser)", parse)

        let envelopes = try bodies.map { try PushEnvelope.parse($0) }
        let plan = try measure(pushes) { index in
            let envelope = envelopes[index]
            let identity = identities[index % devices].0
            let entries = envelope.mutations.map(Mutation.parse)
            let planner = PushPlanner(context: PushContext(deviceId: identity.deviceId, helperId: identity.helperId,
                                                           serverNow: Int64(Date().timeIntervalSince1970 * 1000)))
            let household = identities[index % devices].1
            let snapshot = PushSnapshot(
                lastAppliedSeq: 0, headVersion: 1000, storedOutcomes: [:],
                records: [RecordKey(.households, household): fixture.county.households.first { $0.id == household }!],
                scope: DeviceScope(households: [household], villages: []))
            _ = planner.plan(entries: entries, raw: envelope.mutations, snapshot: snapshot)
        }
        report("plan (validate + merge, pure)", plan)

        let pushStage = try await measureAsync(pushes) { index in
            _ = try await service.push(envelopes[index], from: identities[index % devices].0)
        }
        report("service push (store transaction, SQLite FULL sync)", pushStage)
    }

    static var quietLogger: Logger {
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        return logger
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
        let seconds = Double(total.components.seconds) + Double(total.components.attoseconds) / 1e18
        let perPush = seconds / Double(pushes) * 1000
        let perSecond = Double(pushes * batch) / seconds
        print(String(format: "%-52@ %8.3f ms/push %10.0f mutations/s", stage as NSString, perPush, perSecond))
    }
}
