import ArgumentParser

/// `bangfu-admin enroll`: registers a device for a helper and prints its token once.
struct EnrollCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enroll", abstract: "登记设备并打印令牌 — enroll a device and print its token.")

    @OptionGroup var database: DatabaseOptions
    @Option(help: "Helper id, e.g. hp52232700001.") var helper: String
    @Option(help: "Device label shown to admins.") var label: String?
    @Option(name: .customLong("expires-in-days"), help: "Token lifetime in days (default 365).") var expiresInDays: Int?

    func run() async throws {
        let service = try await database.openService()
        let enrollment = try await service.enroll(helperId: helper, label: label, expiresInDays: expiresInDays)
        print("device \(enrollment.deviceId) for helper \(enrollment.helperId), expires \(formatTime(enrollment.expiresAt))")
        print(enrollment.token)
    }
}
