import ArgumentParser
import FieldDomain
import SyncModel
import SyncStore

/// `bangfu-admin visits verify`: re-checks stored visits' signatures against their phones' keys.
struct VisitsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "visits", abstract: "走访记录 — visit evidence.", subcommands: [Verify.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify",
            abstract: "核验走访签名 — check that visits are as their phones signed them; exits 1 if any is not.")

        @OptionGroup var database: DatabaseOptions
        @Option(help: "Visit ids to check.") var id: [String] = []

        func run() async throws {
            let service = try await database.openService()
            guard !id.isEmpty else { throw ValidationError("name at least one visit with --id") }
            var broken = 0
            for visitId in id {
                guard let visit = try await service.store.record(RecordKey(.visits, visitId)) else {
                    print("\(visitId)  not found 不存在")
                    broken += 1
                    continue
                }
                let check = try await service.checkSignature(of: visit)
                let words: String
                switch check.status {
                case .valid: words = "valid 签名有效"
                case .invalid: words = "INVALID 签名无效：记录与签名不符"
                case .unsigned: words = "unsigned 无签名（旧版设备）"
                case .wrongKey: words = "WRONG KEY 签名密钥不符"
                }
                if check.status == .invalid || check.status == .wrongKey { broken += 1 }
                print("\(visitId)  \(words)  device \(check.deviceId ?? "—")  key \(check.keyId ?? "—")")
            }
            if broken > 0 { throw ExitCode(1) }
        }
    }
}
