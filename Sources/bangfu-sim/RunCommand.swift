import ArgumentParser
import Foundation
import SyncTesting

/// `bangfu-sim run`: virtual helpers live offline days, sync at random moments over a faulty network, then
/// every device is checked against the server. Exits non-zero on any divergence or loss.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "模拟帮扶人离线走访与同步并校验一致性 — simulate helpers and check convergence.")

    @OptionGroup var server: ServerOptions
    @Option(help: "mixed (visits, edits, members, invalid writes), contention (helpers sharing households edit the same fields offline; conflicts are then resolved) or reassignment (households move between helpers while devices are offline).")
    var scenario: String = "mixed"
    @Option(help: "Virtual devices.") var devices: Int = 50
    @Option(help: "Days to simulate.") var days: Int = 3
    @Option(help: "Random seed (printed; the same seed replays the same writes and syncs).") var seed: UInt64 = 42
    @Option(name: .customLong("devices-per-helper"), help: "Devices sharing a helper (concurrent edits).") var devicesPerHelper: Int = 1
    @Option(name: .customLong("fault-rate"), help: "Probability of each network fault (lost request, lost response, duplicate).")
    var faultRate: Double = 0.05
    @Option(name: .customLong("invalid-rate"), help: "Share of deliberately invalid writes (must be rejected).") var invalidRate: Double = 0.03
    @Option(name: .customLong("store-dir"), help: "Keep each device's SQLite store here (default: a temporary folder).")
    var storeDirectory: String?
    @Flag(name: .customLong("memory-stores"), help: "Keep device stores in memory instead of SQLite.") var memoryStores = false
    @Flag(help: "明白卡: helpers ask for cards after visits (10 % of writes), then a timed burst of 5 per device, and cards are checked offline and online.")
    var cards = false

    func validate() throws {
        guard SimulationConfig.Scenario(rawValue: scenario) != nil else {
            throw ValidationError("--scenario must be mixed, contention or reassignment")
        }
        guard devices >= 1, days >= 1 else { throw ValidationError("--devices and --days must be at least 1") }
        guard devicesPerHelper >= 1 else { throw ValidationError("--devices-per-helper must be at least 1") }
        guard (0...0.5).contains(faultRate), (0...0.5).contains(invalidRate) else {
            throw ValidationError("--fault-rate and --invalid-rate must be 0–0.5")
        }
    }

    func run() async throws {
        var config = SimulationConfig()
        config.scenario = SimulationConfig.Scenario(rawValue: scenario) ?? .mixed
        config.devices = devices
        config.days = days
        config.seed = seed
        config.devicesPerHelper = devicesPerHelper
        config.faults = .init(dropRequest: faultRate, dropResponse: faultRate, duplicate: faultRate)
        config.invalidWriteRate = invalidRate
        if cards { config.cardRate = 0.1 }
        var temporary: URL?
        if !memoryStores {
            if let storeDirectory {
                config.storeDirectory = storeDirectory
            } else {
                let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bangfu-sim-\(seed)-\(UUID().uuidString)")
                temporary = directory
                config.storeDirectory = directory.path
            }
            try FileManager.default.createDirectory(atPath: config.storeDirectory!, withIntermediateDirectories: true)
        }
        defer { if let temporary { try? FileManager.default.removeItem(at: temporary) } }
        print("bangfu-sim run: scenario \(scenario), \(devices) devices, \(days) days, seed \(seed), against \(server.url)")
        let report = try await Simulation(config: config, server: try server.server(devices: min(devices, 64))).run()
        print(report.summary)
        if !report.passed { throw ExitCode(1) }
    }
}
