import ArgumentParser

/// `bangfu-admin compact`: forgets tombstones and ended assignments older than the offline horizon; a
/// device whose cursor is older resyncs (protocol/scopes.md §7).
struct CompactCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compact", abstract: "清理过期删除记录 — compact tombstones older than the horizon.")

    @OptionGroup var database: DatabaseOptions
    @Option(name: .customLong("horizon-days"), help: "Offline horizon in days (default 90).") var horizonDays: Int = 90

    func validate() throws {
        guard (1...3650).contains(horizonDays) else { throw ValidationError("--horizon-days must be 1–3650") }
    }

    func run() async throws {
        let service = try await database.openService()
        let report = try await service.compact(horizonDays: horizonDays)
        print("purged \(report.purged) records; cursors below \(report.compactedThrough) now resync")
    }
}
