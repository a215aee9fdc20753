import ArgumentParser

/// `bangfu-admin assign`: pairs a household with a helper, optionally ending another helper's assignment;
/// the devices learn it on their next pull (move-in, move-out).
struct AssignCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "assign", abstract: "调整帮扶关系 — assign a household to a helper.")

    @OptionGroup var database: DatabaseOptions
    @Option(help: "Household id (16 digits).") var household: String
    @Option(help: "The helper who takes the household.") var helper: String
    @Option(help: "The helper whose assignment ends.") var replace: String?

    func run() async throws {
        let service = try await database.openService()
        let result = try await service.assign(household: household, helper: helper, replacing: replace,
                                              by: DatabaseOptions.operatorPrincipal)
        print("assigned \(household) to \(helper) at version \(result.assignment.version)"
              + (result.ended.map { ", ended \($0.id) at version \($0.version)" } ?? ""))
    }
}
