import ArgumentParser

/// `bangfu-bench`: benchmarks that print figures for BENCHMARKS.md (never timed tests). `push` (the
/// default) times the push path stage by stage; `scopes` measures scope isolation.
@main
struct BangfuBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bangfu-bench", abstract: "Benchmarks that print figures (run a release build).",
        subcommands: [PushBench.self, ScopeBench.self, PersonalDataBench.self, CardBench.self, CardLedgerBench.self], defaultSubcommand: PushBench.self)
}
