import ArgumentParser
import CardRendering
import Foundation
import MingbaiCard
import QRCode
import SyncModel
import SyncService
import SyncStore

/// `bangfu-admin cards issue|render|outdated|missing|list|revoke`: 明白卡 from the terminal, as the operator
/// (protocol/cards.md §5). The server's admin API does the same for region admins.
struct CardsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cards", abstract: "明白卡 — issue, render, and list the cards to reprint.",
        subcommands: [Issue.self, Render.self, Outdated.self, Missing.self, List.self, Revoke.self],
        defaultSubcommand: Outdated.self)

    struct Issue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "发卡 — issue a card for a household's current records.")

        @OptionGroup var database: DatabaseOptions
        @Option(help: "The 16-digit household number.") var household: String

        func run() async throws {
            let card = try await database.openService().issueCard(household: household, by: DatabaseOptions.operatorPrincipal)
            print("明白卡 card \(card.card.cardId)  户 household \(household)  版本 revision \(card.card.householdRevision)")
            print("签发 issued \(formatTime(card.card.issuedAt * 1000))  密钥 key \(card.card.keyId)")
            print(card.card.payload)
        }
    }

    struct Render: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "打印 — render a card as print HTML, SVG, or the QR as PNG.",
            discussion: "Renders the given card, or the household's newest; a card whose household changed since it was issued is refused (issue a new one).")

        @OptionGroup var database: DatabaseOptions
        @Option(help: "The 16-digit household number (its newest card).") var household: String?
        @Option(help: "The card id (24 hex digits).") var card: String?
        @Option(help: "html, svg or png.") var format: String = "html"
        @Option(help: "a4 or a5.") var paper: String = "a4"
        @Option(help: "The QR's error correction: q, or h for weathered posters.") var level: String = "q"
        @Option(help: "Write here instead of standard output (required for png).") var out: String?

        func validate() throws {
            guard (household == nil) != (card == nil) else { throw ValidationError("give --household or --card") }
            guard ["html", "svg", "png"].contains(format) else { throw ValidationError("--format must be html, svg or png") }
            guard CardRenderer.Paper(rawValue: paper.uppercased()) != nil else { throw ValidationError("--paper must be a4 or a5") }
            guard ["q", "h"].contains(level) else { throw ValidationError("--level must be q or h") }
            guard format != "png" || out != nil else { throw ValidationError("--format png needs --out FILE") }
        }

        func run() async throws {
            let service = try await database.openService(writes: false)
            let principal = DatabaseOptions.operatorPrincipal
            let id: String
            if let card {
                id = card
            } else {
                guard let newest = try await service.cards(ofHousehold: household!, by: principal).first else {
                    throw ValidationError("户 \(household!) 尚无明白卡 (no card yet): bangfu-admin cards issue --household \(household!)")
                }
                id = newest.cardId
            }
            let printable = try await service.printableCard(id: id, by: principal)
            let qrLevel: QRMatrix.Level = level == "h" ? .h : .q
            let renderer = try CardRenderer()
            let sheet = CardRenderer.Paper(rawValue: paper.uppercased())!
            let bytes: [UInt8]
            switch format {
            case "png":
                guard let matrix = QRMatrix(printable.card.payload, level: qrLevel) else { throw ValidationError("QR encoding failed") }
                bytes = matrix.png()
            case "svg":
                bytes = Array(try renderer.svg(content: printable.content, payload: printable.card.payload,
                                               claims: printable.claims, paper: sheet, level: qrLevel).utf8)
            default:
                bytes = Array(try renderer.html(content: printable.content, payload: printable.card.payload,
                                                claims: printable.claims, paper: sheet, level: qrLevel).utf8)
            }
            if let out {
                guard FileManager.default.createFile(atPath: out, contents: Data(bytes)) else {
                    throw ValidationError("cannot write \(out)")
                }
                FileHandle.standardError.write(Data("明白卡 \(id) → \(out)\n".utf8))
            } else {
                FileHandle.standardOutput.write(Data(bytes))
            }
        }
    }

    struct Outdated: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "待重印 — households whose newest card no longer matches the records.")

        @OptionGroup var list: ListOptions

        func run() async throws { try await list.print(.outdated) }
    }

    struct Missing: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "未发卡 — households without a card.")

        @OptionGroup var list: ListOptions

        func run() async throws { try await list.print(.missing) }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "发卡记录 — a household's cards, newest first.")

        @OptionGroup var database: DatabaseOptions
        @Option(help: "The 16-digit household number.") var household: String

        func run() async throws {
            let cards = try await database.openService(writes: false).cards(ofHousehold: household, by: DatabaseOptions.operatorPrincipal)
            var rows = [["card 卡号", "revision 版本", "issued 签发", "key 密钥", "issuer 签发人", "revoked 作废"]]
            for card in cards {
                rows.append([card.cardId, "\(card.householdRevision)", formatTime(card.issuedAt * 1000), card.keyId, card.issuer,
                             card.revokedAt.map { formatTime($0 * 1000) } ?? ""])
            }
            print("明白卡 cards: \(cards.count)")
            printTable(rows)
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "作废 — withdraw a card: apps verify it as revoked once they fetch the revocation list.")

        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The card id (24 hex digits).") var card: String

        func run() async throws {
            let revoked = try await database.openService().revokeCard(id: card, by: DatabaseOptions.operatorPrincipal)
            print("明白卡 \(revoked.cardId) 已作废 revoked at \(formatTime((revoked.revokedAt ?? 0) * 1000))")
        }
    }

    /// The options of `outdated` and `missing`.
    struct ListOptions: ParsableArguments {
        @OptionGroup var database: DatabaseOptions
        @Option(help: "Region code prefix: 6-digit county, 9-digit town or 12-digit village (all when absent).") var region: String?
        @Option(help: "At most this many (1–10000).") var limit: Int = 1000

        /// Prints one status's households of the region, the projection brought up to date first.
        func print(_ status: CardStatus) async throws {
            guard (1...10_000).contains(limit) else { throw ValidationError("--limit must be 1–10000") }
            let service = try await database.openService(writes: false)
            let counts = try await service.cardCounts(region: region, by: DatabaseOptions.operatorPrincipal)
            let households = try await service.householdCards(status: status, region: region, after: nil, limit: limit,
                                                              by: DatabaseOptions.operatorPrincipal)
            Swift.print("区域 region \(region ?? "全部 all")  未发卡 missing \(counts.missing)  有效 current \(counts.current)  待重印 outdated \(counts.outdated)")
            var rows = [["household 户编号", "village 村", "revision 版本", "newest card 最新卡", "issued 签发"]]
            for household in households {
                rows.append([household.householdId, household.villageCode, "\(household.revision)",
                             household.newest?.cardId ?? "—", household.newest.map { formatTime($0.issuedAt * 1000) } ?? "—"])
            }
            printTable(rows)
        }
    }
}
