import ArgumentParser
import FieldDomain
import Foundation
import SyncModel
import SyncService
import SyncStore
import SyncStoreSQLite
import SyncTesting

/// `bangfu-bench card-ledger`: the 明白卡 ledger through the service on SQLite, in two county sizes in the
/// same run (protocol/cards.md §5): the first projection pass (every household composed), cards issued one
/// after another (compose, sign, store, projection catch-up: what `POST /admin/v1/cards` costs without
/// TLS), the incremental pass after 1 % of households changed, and the reprint queries an admin page makes
/// (a village's and the county's first page of outdated cards, the county's counts). A flat query time
/// from the small to the large county is what "an index range, not a scan" means.
struct CardLedgerBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "card-ledger", abstract: "Card issuance, projection and reprint queries by county size (SQLite).")

    @Option(help: "Households in the small county.") var small = 2_000
    @Option(help: "Households in the large county.") var large = 20_000
    @Option(help: "Cards issued in each county, one after another.") var issue = 1_000
    @Option(help: "Each reprint query timed this many times.") var queries = 200

    func run() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bangfu-card-ledger-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for households in [small, large] {
            try await bench(households: households, path: directory.appendingPathComponent("county-\(households).sqlite").path)
        }
    }

    func bench(households: Int, path: String) async throws {
        print("card-ledger: \(households) households")
        let store = try SQLiteSyncStore(path: path)
        let fixture = try await StoreFixture.make(store, households: households, seed: 42)
        let service = SyncService(store: store, now: { BenchSupport.nowMillis() }, randomBytes: { count in
            (0..<count).map { _ in UInt8.random(in: .min ... .max) }
        }, auditKey: TestKeys.key, cipher: TestKeys.cipher, cardKeys: TestKeys.cardKeys, logger: BenchSupport.quietLogger)
        var started = ContinuousClock.now
        let composed = try await service.refreshCardStates()
        var seconds = BenchSupport.seconds(ContinuousClock.now - started)
        print(String(format: "  first projection pass: %d households in %.2f s = %.0f households/s", composed, seconds,
                     Double(composed) / seconds))

        let operatorPrincipal = Principal.admin(id: "operator", role: .operator, region: "")
        let ids = fixture.county.households.map(\.id)
        let toIssue = Array(ids.prefix(issue))
        started = ContinuousClock.now
        for id in toIssue { _ = try await service.issueCard(household: id, by: operatorPrincipal) }
        seconds = BenchSupport.seconds(ContinuousClock.now - started)
        print(String(format: "  issued: %d cards in %.2f s = %.0f cards/s (%.2f ms each)", toIssue.count, seconds,
                     Double(toIssue.count) / seconds, seconds * 1000 / Double(toIssue.count)))

        // 1 % of the households change a printed field (an admin import, one transaction).
        let changed = stride(from: 0, to: toIssue.count, by: 100).map { index -> SyncRecord in
            var record = fixture.county.households.first { $0.id == toIssue[index] }!
            record.fields["incomeWage"] = .int(Int64(123_400 + index))
            return record
        }
        try await store.importRecords(changed)
        started = ContinuousClock.now
        let recomposed = try await service.refreshCardStates()
        seconds = BenchSupport.seconds(ContinuousClock.now - started)
        print(String(format: "  incremental pass after %d changes: %d households in %.1f ms", changed.count, recomposed, seconds * 1000))

        guard let village = Scope.village(ofHousehold: toIssue[0]) else { return }
        let county = String(village.prefix(6))
        for (label, query) in [
            ("village outdated, first page", { try await store.householdCards(HouseholdCardQuery(status: .outdated, regionPrefix: village, limit: 100)).count }),
            ("county outdated, first page", { try await store.householdCards(HouseholdCardQuery(status: .outdated, regionPrefix: county, limit: 100)).count }),
            ("county missing, first page", { try await store.householdCards(HouseholdCardQuery(status: .missing, regionPrefix: county, limit: 100)).count }),
            ("county counts", { try await store.cardCounts(regionPrefix: county).outdated }),
        ] as [(String, () async throws -> Int)] {
            var times: [Double] = []
            var rows = 0
            for _ in 0..<queries {
                let begin = ContinuousClock.now
                rows = try await query()
                times.append(BenchSupport.seconds(ContinuousClock.now - begin) * 1_000_000)
            }
            print("  \(label): \(rows) rows, " + String(format: "median %.0f µs, p95 %.0f µs", BenchSupport.percentile(times, 0.5),
                                                                     BenchSupport.percentile(times, 0.95)))
        }
    }
}
