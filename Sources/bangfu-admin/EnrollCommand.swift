import ArgumentParser
import QRCode
import SyncService

/// `bangfu-admin enroll`: issues a one-time enrolment code for a helper's (or an admin's) phone; the phone
/// registers its own key with it (protocol/security.md §2). `--token` keeps the old way, a bearer token
/// for an app built before device keys, whose visits stay unsigned.
struct EnrollCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enroll", abstract: "生成设备登记码 — issue a one-time enrolment code for a phone.")

    @OptionGroup var database: DatabaseOptions
    @Option(help: "Helper id, e.g. hp52232700001.") var helper: String?
    @Option(help: "Admin account id, to enrol the admin's own phone instead.") var admin: String?
    @Option(help: "Device label shown to admins.") var label: String?
    @Option(name: .customLong("expires-in-hours"), help: "Code lifetime in hours (default 72).") var expiresInHours: Int?
    @Flag(help: "Print a bearer token instead (apps without device keys; their visits are unsigned).") var token = false
    @Option(name: .customLong("expires-in-days"), help: "With --token: token lifetime in days (default 365).")
    var expiresInDays: Int?

    func run() async throws {
        let service = try await database.openService()
        if token {
            guard let helper else { throw ValidationError("--token needs --helper") }
            let enrollment = try await service.enroll(helperId: helper, label: label, expiresInDays: expiresInDays)
            print("device \(enrollment.deviceId) for helper \(enrollment.helperId), expires \(formatTime(enrollment.expiresAt))")
            print(enrollment.token)
            return
        }
        let issued = try await service.issueEnrolmentCode(helperId: helper, adminId: admin, label: label,
                                                          expiresInHours: expiresInHours, by: DatabaseOptions.operatorPrincipal)
        print("登记码 enrolment code for \(issued.helperId), one use, expires 有效期至 \(formatTime(issued.expiresAt)):")
        print(issued.code)
        print("QR 内容 payload: \(issued.qrPayload)  (请用帮扶App扫描 scan with the app)")
        if let matrix = QRMatrix(issued.qrPayload, level: .q) { print(matrix.terminalText()) }
    }
}
