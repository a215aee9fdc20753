import ArgumentParser
import FieldDomain
import SyncService

/// `bangfu-admin admins add|list|disable`: admin accounts bound to a role and a region, run as the operator.
struct AdminsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "admins", abstract: "管理员账号 — admin accounts (village, town, county).",
        subcommands: [Add.self, List.self, Disable.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add", abstract: "添加管理员并打印其令牌 — add an admin and print its token once.")
        @OptionGroup var database: DatabaseOptions
        @Option(help: "Name shown in the console.") var name: String
        @Option(help: "village | town | county") var role: String
        @Option(help: "Region code: 12 digits for a village, 9 for a town, 6 for a county.") var region: String

        func validate() throws {
            guard let role = AdminRole(rawValue: role), role != .operator else {
                throw ValidationError("--role must be village, town or county")
            }
            guard role.accepts(region: region) else {
                throw ValidationError("--region must be a valid \(role.regionLength ?? 0)-digit code for a \(role.rawValue) admin")
            }
        }

        func run() async throws {
            let service = try await database.openService()
            let created = try await service.createAdmin(
                name: name, role: AdminRole(rawValue: role)!, region: region, by: DatabaseOptions.operatorPrincipal)
            print("admin \(created.account.id) \(created.account.role.displayName) \(created.account.region)")
            print(created.token)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "列出管理员 — list admins.")
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let service = try await database.openService(writes: false)
            for account in try await service.admins(by: DatabaseOptions.operatorPrincipal) {
                print([account.id, account.role.rawValue, account.region, account.name,
                       account.disabled ? "disabled" : "active"].joined(separator: "\t"))
            }
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "disable", abstract: "停用管理员 — disable an admin.")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "Admin id (adm-…).") var id: String

        func run() async throws {
            let service = try await database.openService()
            let account = try await service.disableAdmin(id: id, by: DatabaseOptions.operatorPrincipal)
            print("admin \(account.id) disabled")
        }
    }
}
