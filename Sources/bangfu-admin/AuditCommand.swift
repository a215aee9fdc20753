import ArgumentParser
import Foundation
import SyncEngine
import SyncModel
import SyncService

/// `bangfu-admin audit verify|show`: checks the hash chain of the audit log and shows a record's history
/// (protocol/audit.md §5–6).
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "过程留痕 — verify the audit log's hash chain, show a record's history.",
        subcommands: [Verify.self, Show.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "校验审计日志 — walk the chain; exit 1 at the first edited, deleted or reordered entry.")

        @OptionGroup var database: DatabaseOptions
        @Option(name: .customLong("expect-head"),
                help: "HASH@SEQ printed by an earlier run and kept outside the database: the chain must pass through it.")
        var expectHead: String?

        func validate() throws {
            if let expectHead, AuditHead(anchor: expectHead) == nil {
                throw ValidationError("--expect-head must be HASH@SEQ: 64 lowercase hex digits, @, a number")
            }
        }

        func run() async throws {
            let service = try await database.openService(writes: false)
            let result = try await service.verifyAudit(anchor: expectHead.flatMap(AuditHead.init(anchor:)))
            if let failure = result.failure {
                print("BROKEN 审计链断裂 at seq \(failure.seq): \(Self.explain(failure.reason)) — \(failure.detail)")
                print("verified through 已核验至 \(result.verified)")
                throw ExitCode(1)
            }
            print("OK 审计链完整: \(result.verified.seq) entries, head \(result.verified)")
            print("keep this head outside the database (e.g. daily) and pass it to --expect-head next time")
        }

        static func explain(_ reason: AuditVerifier.Break.Reason) -> String {
            switch reason {
            case .edited: return "条目被修改 (entry edited: hash mismatch)"
            case .deleted: return "条目被删除 (entry deleted: sequence gap)"
            case .reordered: return "条目顺序被改动 (entries reordered, or deleted and renumbered: previous hash mismatch)"
            case .headMismatch: return "最新条目被删除 (newest entries deleted: the head row disagrees)"
            case .anchorMismatch: return "与留存的链头不符 (does not match the kept head: rewritten or truncated)"
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "查看记录的变更历史 — who changed which field of one record, when.")

        @OptionGroup var database: DatabaseOptions
        @Option(help: "COLLECTION/ID, e.g. households/5223270011020001.") var record: String

        func validate() throws {
            guard Self.key(record) != nil else { throw ValidationError("--record must be COLLECTION/ID with a known collection") }
        }

        static func key(_ text: String) -> RecordKey? {
            guard let slash = text.firstIndex(of: "/"), let collection = CollectionName(rawValue: String(text[..<slash])),
                text.index(after: slash) < text.endIndex
            else { return nil }
            return RecordKey(collection, String(text[text.index(after: slash)...]))
        }

        func run() async throws {
            let service = try await database.openService(writes: false)
            let history = try await service.recordHistory(Self.key(record)!, by: DatabaseOptions.operatorPrincipal)
            print("history 变更历史 \(record): \(history.count) entries")
            for stored in history {
                let entry = try stored.entry()
                let fields = String(decoding: JSONWriter.bytes(.object(entry.fields)), as: UTF8.self)
                print([String(stored.seq), formatTime(entry.at), entry.action.rawValue, entry.actor, entry.deviceId ?? "—",
                       entry.revision.map { "v\($0)" } ?? "—", fields].joined(separator: "  "))
            }
        }
    }
}
