import ArgumentParser
import FieldDomain
import SyncModel

/// `bangfu-admin seed`: writes a deterministic synthetic county into an empty database.
struct SeedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seed", abstract: "生成演示县数据 — seed a deterministic synthetic county.")

    @OptionGroup var database: DatabaseOptions
    @Option(help: "Number of households.") var households: Int = 2000
    @Option(help: "Random seed; the same seed gives the same county.") var seed: UInt64 = 42
    @Option(help: "6-digit county code.") var county: String = "522327"
    @Option(name: .customLong("co-helpers"),
            help: "Also assign each household to this many further helpers (shared households, for contention).")
    var coHelpers: Int = 0

    func validate() throws {
        guard (1...200_000).contains(households) else { throw ValidationError("--households must be 1–200000") }
        guard RegionCode.isCounty(county) else { throw ValidationError("--county must be a 6-digit county code") }
        guard (0...10).contains(coHelpers) else { throw ValidationError("--co-helpers must be 0–10") }
    }

    func run() async throws {
        let service = try await database.openService(writes: false)
        guard try await service.store.headVersion() == 0 else {
            throw ValidationError("database \(database.location) already holds data; seed an empty database")
        }
        let generated = CountyGenerator(countyCode: county, households: households, seed: seed).generate()
            .sharingHouseholds(coHelpers: coHelpers)
        let records = generated.regions + generated.helpers + generated.households + generated.members
            + generated.assignments
        // Import in slices so a large county does not sit in one huge transaction.
        var head: Int64 = 0
        for start in stride(from: 0, to: records.count, by: 5000) {
            head = try await service.store.importRecords(Array(records[start..<min(start + 5000, records.count)]))
        }
        print("seeded \(database.location): \(generated.households.count) households, \(generated.members.count) members, "
              + "\(generated.helpers.count) helpers, \(generated.assignments.count) assignments, \(generated.regions.count) regions "
              + "(seed \(seed), head \(head))")
    }
}
