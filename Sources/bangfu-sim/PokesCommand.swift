import ArgumentParser
import SyncTesting

/// `bangfu-sim pokes`: write-to-other-device latency through live pokes (protocol/README.md §7a).
struct PokesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pokes", abstract: "实时通知延迟 — time from one device's write to another device's poke.")

    @OptionGroup var server: ServerOptions
    @Option(help: "Devices listening (one helper each; a second device of the helper writes).") var listeners: Int = 20
    @Option(help: "Writes, one at a time.") var rounds: Int = 200

    func validate() throws {
        guard (1...1000).contains(listeners), rounds >= 1 else { throw ValidationError("--listeners 1–1000, --rounds ≥ 1") }
    }

    func run() async throws {
        var config = PokeLatencyTest.Config()
        config.listeners = listeners
        config.rounds = rounds
        print("bangfu-sim pokes: \(listeners) listening devices, \(rounds) writes against \(server.url)")
        // Each listener holds a connection; the writers need theirs too.
        let report = try await PokeLatencyTest(config: config, server: try server.server(devices: listeners * 2 + 4)).run()
        print(report.summary)
        if report.missed > 0 || report.rounds == 0 { throw ExitCode(1) }
    }
}
