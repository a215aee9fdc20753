import ArgumentParser

/// `bangfu-admin`: operator tools that work on the database directly.
@main
struct BangfuAdmin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bangfu-admin", abstract: "帮扶同步管理工具 — Bangfu Sync admin tools.",
        subcommands: [SeedCommand.self, EnrollCommand.self, DevicesCommand.self, ConflictsCommand.self, AdminsCommand.self,
                      AssignCommand.self, CompactCommand.self, VisitsCommand.self, AuditCommand.self,
                      KeysCommand.self, CardsCommand.self])
}

