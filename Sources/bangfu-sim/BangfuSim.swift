import ArgumentParser

/// `bangfu-sim`: drives virtual helpers through the client module against a real server.
@main
struct BangfuSim: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bangfu-sim", abstract: "帮扶同步模拟器 — simulated helpers against a Bangfu Sync server.",
        subcommands: [RunCommand.self, LoadCommand.self, PokesCommand.self])
}

