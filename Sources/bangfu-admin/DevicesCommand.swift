import ArgumentParser

/// `bangfu-admin devices`: each device's last sync, lag behind the head, and rejected writes.
struct DevicesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices", abstract: "设备同步状态 — list devices with last sync, lag and rejected writes.")

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
        let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        for row in rows {
            print(row.indices.map { row[$0].padding(toLength: widths[$0], withPad: " ", startingAt: 0) }
                .joined(separator: "  "))
        }
    }
}
