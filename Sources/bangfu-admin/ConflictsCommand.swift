import ArgumentParser
import Foundation
import SyncEngine
import SyncModel
import SyncService
import SyncStore

/// `bangfu-admin conflicts list|show|resolve`: the review queue (protocol/conflicts.md §8).
struct ConflictsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "conflicts", abstract: "冲突审核 — list, show and resolve conflicts awaiting review.",
        subcommands: [List.self, Show.self, Resolve.self], defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "列出冲突 — list conflicts, newest first.")

        @OptionGroup var database: DatabaseOptions
        @Option(help: "open, resolved, logged or all.") var status: String = "open"
        @Option(help: "hard, soft or deleted.") var kind: String?
        @Option(help: "Region code prefix: 6-digit county, 9-digit town or 12-digit village.") var region: String?
        @Option(help: "At most this many (1–500).") var limit: Int = 100

        func run() async throws {
            var query = ConflictQuery(status: nil, regionPrefix: region, limit: limit)
            if status != "all" {
                guard let parsed = Conflict.Status(rawValue: status) else {
                    throw ValidationError("--status must be open, resolved, logged or all")
                }
                query.status = parsed
            }
            if let kind {
                guard let parsed = Conflict.Kind(rawValue: kind) else { throw ValidationError("--kind must be hard, soft or deleted") }
                query.kind = parsed
            }
            let conflicts = try await database.openService(writes: false).conflicts(query)
            print("conflicts 冲突: \(conflicts.count)")
            let header = ["id", "kind 类型", "status 状态", "record 记录", "field 字段", "existing 原值", "incoming 新值", "opened 发生时间"]
            var rows = [header]
            for conflict in conflicts {
                rows.append([conflict.id, conflict.kind.rawValue, conflict.status.rawValue,
                             "\(conflict.collection.rawValue)/\(conflict.recordId)",
                             conflict.field ?? conflict.fields.joined(separator: ","),
                             Self.short(conflict.existing.value), Self.short(conflict.incoming.value),
                             formatTime(conflict.openedAt)])
            }
            printTable(rows)
        }

        static func short(_ value: JSONValue) -> String {
            let text = String(decoding: JSONWriter.bytes(value), as: UTF8.self)
            return text.count > 40 ? String(text.prefix(39)) + "…" : text
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "查看冲突 — show both sides of one conflict.")

        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The conflict id (cf.…).") var id: String

        func run() async throws {
            let (conflict, current) = try await database.openService().conflictDetail(id: id, by: DatabaseOptions.operatorPrincipal)
            func text(_ value: JSONValue?) -> String {
                value.map { String(decoding: JSONWriter.bytes($0), as: UTF8.self) } ?? "—（记录已删除 deleted）"
            }
            print("冲突 conflict \(conflict.id)  [\(conflict.kind.rawValue), \(conflict.status.rawValue)]")
            print("记录 record   \(conflict.collection.rawValue)/\(conflict.recordId)  村 village \(conflict.villageCode ?? "—")")
            print("字段 field    \(conflict.field ?? conflict.fields.joined(separator: ", "))   基于版本 base v\(conflict.baseVersion)")
            print("原值 existing \(text(conflict.existing.value))  by \(conflict.existing.deviceId)  v\(conflict.existing.version ?? 0)  \(conflict.existing.stamp?.wireValue ?? "")")
            print("新值 incoming \(text(conflict.incoming.value))  by \(conflict.incoming.deviceId)  seq \(conflict.incoming.seq ?? 0)  \(conflict.incoming.stamp?.wireValue ?? "")")
            print("暂用 provisional \(conflict.provisional?.rawValue ?? "—")   当前值 current \(text(current))")
            print("发生 opened   \(formatTime(conflict.openedAt))  v\(conflict.openedVersion)")
            if let resolution = conflict.resolution {
                print("处理 resolved \(resolution.choice.rawValue) → \(text(resolution.value))  理由 reason: \(resolution.reason)  by \(resolution.resolvedBy ?? "—")  \(formatTime(resolution.resolvedAt))  v\(resolution.version)")
            }
        }
    }

    struct Resolve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "处理冲突 — keep one side (--choose) or enter a value (--value), with a reason.")

        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The conflict id (cf.…).") var id: String
        @Option(help: "existing or incoming.") var choose: String?
        @Option(help: "A value to write instead, as JSON (e.g. '\"lifted\"' or 15000).") var value: String?
        @Option(help: "Why (required).") var reason: String
        @Option(help: "Who resolves it.") var by: String?

        func run() async throws {
            let request: ConflictResolver.Request
            switch (choose, value) {
            case (let side?, nil):
                guard let choice = Conflict.Side(rawValue: side), choice != .value else {
                    throw ValidationError("--choose must be existing or incoming")
                }
                request = .init(choice: choice, value: nil, reason: reason, resolvedBy: by)
            case (nil, let raw?):
                let parsed: JSONValue
                do { parsed = try JSONParser.parse(Data(raw.utf8)) } catch {
                    throw ValidationError("--value must be JSON, e.g. '\"lifted\"' or 15000")
                }
                request = .init(choice: .value, value: parsed, reason: reason, resolvedBy: by)
            default:
                throw ValidationError("give exactly one of --choose and --value")
            }
            let service = try await database.openService()
            for settled in try await service.resolveConflict(id: id, request: request) {
                // Printing a personal value is a read of it: audited like the admin API's (security.md §5).
                let resolved = try await service.disclosed(settled, to: DatabaseOptions.operatorPrincipal).conflict
                print("已处理 resolved \(resolved.id): \(resolved.resolution.map { String(decoding: JSONWriter.bytes($0.value), as: UTF8.self) } ?? "") → record version \(resolved.resolution?.version ?? 0)")
            }
        }
    }
}
