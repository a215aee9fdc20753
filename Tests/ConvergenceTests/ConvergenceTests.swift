import Foundation
import PropertyBased
import SyncStore
import SyncStoreSQLite
import SyncTesting
import Testing

/// The convergence proof (issue 3, protocol/conflicts.md §10): randomized histories of 2–20 devices on a
/// faulty network must all converge, lose nothing, duplicate nothing, open exactly the hard conflicts the
/// rules call for, and converge again once every conflict is resolved.
///
/// CI runs the fixed seeds, `BANGFU_CONVERGENCE_HISTORIES` (default 1,000) seeds derived from them, and
/// one fresh random seed, which it prints. Any failing seed replays alone with
/// `BANGFU_CONVERGENCE_SEED=<seed> swift test --filter ConvergenceTests`.
@Suite struct ConvergenceTests {
    /// Seeds that once exposed bugs, or cover corners (2 devices, 20 devices), kept forever.
    static let fixedSeeds: [UInt64] = [1, 2, 3, 7, 42, 1337, 20_261_122, 0xDEAD_BEEF]

    static var environment: [String: String] { ProcessInfo.processInfo.environment }

    @Test func randomizedHistoriesConverge() async throws {
        var seeds: [UInt64]
        if let raw = Self.environment["BANGFU_CONVERGENCE_SEED"], let seed = UInt64(raw) {
            seeds = [seed]
            print("convergence: replaying seed \(seed)")
        } else {
            let count = Int(Self.environment["BANGFU_CONVERGENCE_HISTORIES"] ?? "") ?? 1000
            seeds = Self.fixedSeeds
            seeds += (0..<UInt64(max(0, count - Self.fixedSeeds.count - 1))).map { 0x5EED_0000 + $0 }
            let fresh = UInt64.random(in: 1...UInt64(Int64.max))
            seeds.append(fresh)
            print("convergence: \(seeds.count) histories; this run's random seed is \(fresh) (replay: BANGFU_CONVERGENCE_SEED=\(fresh))")
        }
        var failed: [String] = []
        var totals = (devices: 0, applied: 0, hard: 0, soft: 0, deleted: 0, delayed: 0, duplicated: 0)
        var scopes = (reassignments: 0, revoked: 0, appliedAfterDeparture: 0, adminDevices: 0)
        let started = ContinuousClock.now
        // Histories are independent: run two at a time (the machine has two cores).
        try await withThrowingTaskGroup(of: (UInt64, ConvergenceHistory.Report).self) { group in
            var next = 0
            func start() {
                guard next < seeds.count else { return }
                let seed = seeds[next]
                next += 1
                group.addTask {
                    do {
                        return (seed, try await ConvergenceHistory(seed: seed).run())
                    } catch {
                        // A history that throws fails with its seed, like one whose checks fail.
                        var report = ConvergenceHistory.Report(label: "seed \(seed)")
                        report.failures = ["threw \(error)"]
                        return (seed, report)
                    }
                }
            }
            start()
            start()
            while let (seed, report) = try await group.next() {
                totals.devices += report.devices
                totals.applied += report.appliedMutations
                totals.hard += report.hardConflicts
                totals.soft += report.softConflicts
                totals.deleted += report.deletedConflicts
                totals.delayed += report.delayed
                totals.duplicated += report.duplicated
                scopes.reassignments += report.reassignments
                scopes.revoked += report.revoked
                scopes.appliedAfterDeparture += report.appliedAfterDeparture
                scopes.adminDevices += report.adminDevices
                if !report.failures.isEmpty {
                    failed.append("\(report)\n  replay: BANGFU_CONVERGENCE_SEED=\(seed) swift test --filter ConvergenceTests")
                }
                if failed.count < 3 { start() }
            }
        }
        print("convergence: \(seeds.count) histories, \(totals.devices) devices, \(totals.applied) applied mutations, "
              + "conflicts hard \(totals.hard) / soft \(totals.soft) / deleted \(totals.deleted), "
              + "\(totals.delayed) delayed and \(totals.duplicated) duplicated requests; \(scopes.reassignments) "
              + "reassignments, \(scopes.revoked) scope_revoked, \(scopes.appliedAfterDeparture) applied after departure, "
              + "\(scopes.adminDevices) village-admin phones; in \(started.duration(to: .now))")
        #expect(failed.isEmpty, "\(failed.joined(separator: "\n"))")
        // The histories must actually contend: a generator that never produced conflicts would prove nothing.
        if seeds.count >= 100 {
            #expect(totals.hard > seeds.count / 4)
            #expect(totals.soft > 0 && totals.deleted > 0 && totals.delayed > 0)
            // And scopes must actually move: writes offline across a reassignment, on both sides of it.
            #expect(scopes.reassignments > seeds.count && scopes.revoked > 0 && scopes.appliedAfterDeparture > 0)
            #expect(scopes.adminDevices > 0)
        }
    }

    /// The same proof driven by swift-property-based, whose shrinker cuts a failing history down to the
    /// fewest choices that still fail (each number in the list is one decision of the history).
    @Test func shrinkableHistoriesConverge() async {
        await propertyCheck(count: 40, input: Gen.int(in: 0...999).array(of: 10...120), Gen.int(in: 2...6)) { script, devices in
            do {
                let report = try await ConvergenceHistory(script: script, devices: devices).run()
                #expect(report.failures.isEmpty, "\(report)\n  script: \(script)")
            } catch {
                Issue.record("history threw \(error); script: \(script), devices: \(devices)")
            }
        }
    }

    /// The same histories against the embedded SQLite store (group commit, migrations, the conflicts
    /// table and record meta on disk): fewer of them, since each opens a database.
    @Test func randomizedHistoriesConvergeOnSQLite() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bangfu-histories-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let seeds: [UInt64] = Self.environment["BANGFU_CONVERGENCE_SEED"].flatMap(UInt64.init).map { [$0] }
            ?? (0..<40).map { 0x5_0117_E000 + $0 }
        var failed: [String] = []
        for seed in seeds {
            let path = directory.appendingPathComponent("\(seed).sqlite").path
            let report = try await ConvergenceHistory(seed: seed, store: { try SQLiteSyncStore(path: path) }).run()
            if !report.failures.isEmpty {
                failed.append("\(report)\n  replay: BANGFU_CONVERGENCE_SEED=\(seed) swift test --filter randomizedHistoriesConvergeOnSQLite")
            }
        }
        #expect(failed.isEmpty, "\(failed.joined(separator: "\n"))")
    }

    /// A bounded number of the same histories against PostgreSQL (each on a fresh database), when
    /// `BANGFU_TEST_POSTGRES_URL` names a server (scripts/test.sh starts one).
    @Test(.enabled(if: PostgresTestDatabase.url != nil, "BANGFU_TEST_POSTGRES_URL is not set"))
    func randomizedHistoriesConvergeOnPostgres() async throws {
        let seeds: [UInt64] = Self.environment["BANGFU_CONVERGENCE_SEED"].flatMap(UInt64.init).map { [$0] }
            ?? (0..<12).map { 0x5_0117_E000 + $0 }
        var failed: [String] = []
        for seed in seeds {
            let report = try await PostgresTestDatabase.withStore { store in
                try await ConvergenceHistory(seed: seed, store: { store }).run()
            }
            if let report, !report.failures.isEmpty {
                failed.append("\(report)\n  replay: BANGFU_CONVERGENCE_SEED=\(seed) swift test --filter randomizedHistoriesConvergeOnPostgres")
            }
        }
        #expect(failed.isEmpty, "\(failed.joined(separator: "\n"))")
    }
}
