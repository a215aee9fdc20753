import ArgumentParser

/// `bangfu-admin devices`: each device's last sync, lag and rejected writes; `devices revoke` for a lost phone.
struct DevicesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices", abstract: "设备同步状态与停用 — list devices, or revoke a lost phone.",
        subcommands: [List.self, Revoke.self], defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "设备同步状态 — list devices with last sync, lag and rejected writes.")

        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let service = try await database.openService(writes: false)
            let (head, devices) = try await service.deviceStates()
            print("head version 最新版本: \(head)   devices 设备数: \(devices.count)")
            let header = ["device 设备", "helper 帮扶人", "last sync 最近同步", "seq", "cursor", "lag 落后", "rejected 被拒", "client", "skew"]
            var rows = [header]
            for device in devices {
                rows.append([device.deviceId, device.helperId, formatTime(device.lastSyncAt), "\(device.lastAppliedSeq)",
                             "\(device.cursorVersion)", "\(device.lag)", "\(device.rejectedOpen)",
                             device.clientVersion ?? "—", device.clockSkewFlagged ? "时钟超前" : ""])
            }
            printTable(rows)
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "revoke",
            abstract: "停用设备（手机丢失）— revoke a device: its tokens stop at once and it wipes itself at its next contact.")

        @OptionGroup var database: DatabaseOptions
        @Option(help: "Device id.") var device: String

        func run() async throws {
            let service = try await database.openService()
            let revoked = try await service.revokeDevice(id: device, by: DatabaseOptions.operatorPrincipal)
            print("device \(revoked.deviceId) of \(revoked.helperId) revoked 已停用 at \(formatTime(revoked.revokedAt))")
            print("its unsent writes are lost with it 该设备未上传的记录将随设备数据一起清除")
        }
    }
}
