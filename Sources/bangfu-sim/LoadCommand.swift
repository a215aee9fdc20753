import ArgumentParser
import SyncTesting

/// `bangfu-sim load`: devices push batches as fast as the server acknowledges them; prints acknowledged
/// mutations per second and push latency percentiles.
struct LoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load", abstract: "负载测试 — push throughput and latency against a server.")

    @OptionGroup var server: ServerOptions
    @Option(help: "Devices pushing at once.") var devices: Int = 100
    @Option(help: "Mutations per push.") var batch: Int = 50
    @Option(help: "How long to push, in seconds.") var seconds: Double = 20
    @Option(help: "Random seed.") var seed: UInt64 = 42

    func validate() throws {
        guard devices >= 1, (1...1000).contains(batch), seconds > 0 else {
            throw ValidationError("--devices ≥ 1, --batch 1–1000, --seconds > 0")
        }
    }

    func run() async throws {
        var config = LoadTest.Config()
        config.devices = devices
        config.batch = batch
        config.seconds = seconds
        config.seed = seed
        print("bangfu-sim load: \(devices) devices × batches of \(batch) for \(seconds) s against \(server.url)")
        let report = try await LoadTest(config: config, server: try server.server(devices: devices)).run()
        print(report.summary)
        if !report.failures.isEmpty { throw ExitCode(1) }
    }
}
