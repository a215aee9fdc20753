import ArgumentParser
import FieldDomain
import Foundation
import SyncModel
import SyncService
import SyncStore
import SyncStoreSQLite
import SyncTesting

/// `bangfu-bench scopes`: scope isolation (issue 7, protocol/scopes.md), measured through the service as a
/// device's request reaches it (store pull, page assembly, JSON encoding; no TLS, no gzip).
///
/// - `pull`: incremental pulls in a small and a large county, on SQLite, alternating between the two in
///   the same run (`ScopeBench+Pull`): a helper's, its village admin's and its county admin's phones.
/// - `bootstrap`: a county admin's phone pulls its whole county from the start, page by page, while the
///   process's resident memory is read after each page.
struct ScopeBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scopes", abstract: "Scope isolation: incremental pull by county size, county admin bootstrap.")

    enum Stage: String, ExpressibleByArgument, CaseIterable { case all, pull, bootstrap }

    @Option(help: "all, pull or bootstrap.") var stage: Stage = .all
    @Option(help: "Households in the small county.") var small: Int = 2_000
    @Option(help: "Households in the large county.") var large: Int = 200_000
    @Option(help: "Incremental pulls timed in each county.") var rounds: Int = 400
    @Option(help: "Visits pushed elsewhere in the county between two pulls.") var elsewhere: Int = 50
    @Option(help: "Households in the county the admin bootstraps.") var bootstrapHouseholds: Int = 20_000
    @Option(help: "Visits in that county.") var visits: Int = 100_000
    @Option(help: "Pull page budget in bytes (the server's default).") var pageBytes: Int = SyncServiceConfig().defaultPullBytes

    func run() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bangfu-scopes-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        if stage != .bootstrap { try await benchIncrementalPull(in: directory) }
        if stage != .pull { try await benchBootstrap(in: directory) }
    }

    // MARK: County admin bootstrap

    func benchBootstrap(in directory: URL) async throws {
        print("scopes/bootstrap: a county admin's phone pulls \(bootstrapHouseholds) households and \(visits) visits, pages of \(pageBytes) bytes")
        var started = ContinuousClock.now
        let store = try SQLiteSyncStore(path: directory.appendingPathComponent("county.sqlite").path)
        var expected = 0
        let county: String
        do {
            let fixture = try await StoreFixture.make(store, households: bootstrapHouseholds, seed: 42)
            guard let village = fixture.county.households.first?.scope.villageCode else {
                throw ValidationError("the county has no households")
            }
            county = String(village.prefix(6))
            expected = fixture.county.allRecords.count(where: { $0.scope.villageCode?.hasPrefix(county) == true })
            expected += try await importVisits(fixture.county, into: store)
        }
        print(String(format: "  seeded in %.1f s", BenchSupport.seconds(ContinuousClock.now - started)))
        let service = SyncService(store: store, now: { BenchSupport.nowMillis() }, randomBytes: { Self.random.bytes($0) },
                                  auditKey: TestKeys.key, cipher: TestKeys.cipher, logger: BenchSupport.quietLogger)
        let operatorPrincipal = Principal.admin(id: "operator", role: .operator, region: "")
        let (account, _) = try await service.createAdmin(name: "县级管理员", role: .county, region: county,
                                                         by: operatorPrincipal)
        let enrollment = try await service.enrollAdminDevice(adminId: account.id, label: "县级手机", expiresInDays: 1,
                                                             by: operatorPrincipal)
        let phone = DeviceIdentity(deviceId: enrollment.deviceId, principal: account.principal)

        BenchSupport.releaseFreeMemory()
        let baseline = BenchSupport.residentMiB()
        var peak = baseline
        var cursor: String?
        var records = 0
        var pages = 0
        var bytes = 0
        var pageMicros: [Double] = []
        started = ContinuousClock.now
        while true {
            let pageStart = ContinuousClock.now
            let page = try await service.pull(cursor: cursor, maxBytes: pageBytes, clientVersion: nil, from: phone)
            bytes += try Self.encoder.encode(page).count
            pageMicros.append(BenchSupport.seconds(ContinuousClock.now - pageStart) * 1e6)
            records += page.changes.count
            pages += 1
            cursor = page.cursor
            peak = max(peak, BenchSupport.residentMiB())
            if !page.hasMore { break }
        }
        let seconds = BenchSupport.seconds(ContinuousClock.now - started)
        guard records == expected else {
            throw ValidationError("the county admin received \(records) records, the county holds \(expected)")
        }
        print(String(format: "  %d records in %d pages, %.1f MB of JSON, %.2f s: %.0f records/s, page p50 %.1f ms, p99 %.1f ms",
                     records, pages, Double(bytes) / 1e6, seconds, Double(records) / seconds,
                     BenchSupport.percentile(pageMicros, 0.5) / 1000, BenchSupport.percentile(pageMicros, 0.99) / 1000))
        print(String(format: "  resident memory: %.0f MiB before, %.0f MiB at most while pulling (+%.0f MiB)",
                     baseline, peak, peak - baseline))
    }

    /// Adds `visits` household visits spread over the county's households, as their helpers recorded them.
    func importVisits(_ county: SyntheticCounty, into store: SQLiteSyncStore) async throws -> Int {
        var helperOf: [String: String] = [:]
        for assignment in county.assignments {
            if let household = assignment.scope.householdId, let helper = assignment.scope.helperId {
                helperOf[household] = helper
            }
        }
        let notes = String(repeating: "入户核实家庭收入、两不愁三保障和饮水安全情况，宣讲政策。", count: 4)
        var batch: [SyncRecord] = []
        for index in 0..<visits {
            let household = county.households[index % county.households.count]
            batch.append(CountyGenerator.seedRecord(.visits, "visit-\(index)", [
                "kind": "household", "householdId": .string(household.id),
                "villageCode": .string(household.scope.villageCode ?? ""),
                "helperId": .string(helperOf[household.id] ?? ""),
                "visitedAt": "2026-11-20T09:30:00+08:00", "notes": .string(notes),
                "checks": ["incomeVerified": true, "satisfaction": "satisfied"],
            ]))
            if batch.count == 10_000 {
                _ = try await store.importRecords(batch)
                batch.removeAll(keepingCapacity: true)
            }
        }
        if !batch.isEmpty { _ = try await store.importRecords(batch) }
        return visits
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }()

    static let random = SeededRandomSource(seed: 1)
    static func uuid() -> String { random.uuid() }
}
