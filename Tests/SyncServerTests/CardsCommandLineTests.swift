import FieldDomain
import Foundation
import MingbaiCard
import SyncModel
import SyncService
import Testing

/// `bangfu-admin cards` on a SQLite database (protocol/cards.md §5): issue, render, the reprint lists, a
/// household's cards and revocation, with the QR of the rendered PNG read back by `zbarimg`.
@Suite struct CardsCommandLineTests {
    static func run(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        try await CommandLineTests.run("bangfu-admin", arguments)
    }

    @Test func issueRenderListAndRevokeFromTheTerminal() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bangfu-cards-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let db = directory.appendingPathComponent("bangfu.sqlite").path
        let seed = try await Self.run(["seed", "--db", db, "--households", "30", "--seed", "5"])
        #expect(seed.status == 0, "\(seed.output)")
        let county = CountyGenerator(households: 30, seed: 5).generate()
        let household = try #require(county.households.first?.id)
        let assigned = Set(county.assignments.filter { $0.scope.householdId == household }.compactMap { $0.scope.helperId })
        let newHelper = try #require(county.helpers.map(\.id).first { !assigned.contains($0) })

        let missing = try await Self.run(["cards", "missing", "--db", db])
        #expect(missing.status == 0 && missing.output.contains("未发卡 missing 30"), "\(missing.output)")
        let issued = try await Self.run(["cards", "issue", "--household", household, "--db", db])
        #expect(issued.status == 0, "\(issued.output)")
        let payload = try #require(issued.output.split(separator: "\n").last.map(String.init))
        #expect(payload.hasPrefix("BF1:"))
        let trust = try KeyDirectory(path: directory.appendingPathComponent("keys").path).cardTrustList(asOf: 0)
        guard case .genuine(let claims) = CardVerifier(trust: trust).verify(payload, household: { _ in nil }) else {
            Issue.record("the issued payload does not verify against the key directory's published keys")
            return
        }
        #expect(claims.householdId == household)

        let png = directory.appendingPathComponent("card.png").path
        let rendered = try await Self.run(["cards", "render", "--household", household, "--format", "png", "--out", png, "--db", db])
        #expect(rendered.status == 0, "\(rendered.output)")
        let zbarimg = try #require(CardRenderingTests.tools[2], "zbarimg is not installed (scripts/test.sh installs zbar-tools)")
        let scanned = try await CardRenderingTests.run(zbarimg, ["--raw", "-q", png])
        #expect(scanned.trimmingCharacters(in: .whitespacesAndNewlines) == payload, "zbarimg read \(scanned)")
        let svg = try await Self.run(["cards", "render", "--card", claims.cardIdHex, "--format", "svg", "--paper", "a5", "--db", db])
        #expect(svg.status == 0 && svg.output.hasPrefix("<?xml") && svg.output.contains("12317"))

        // Another helper takes the household: the card prints the helpers, so it must be reprinted.
        let assign = try await Self.run(["assign", "--household", household, "--helper", newHelper, "--db", db])
        #expect(assign.status == 0, "\(assign.output)")
        let outdated = try await Self.run(["cards", "outdated", "--db", db])
        #expect(outdated.status == 0 && outdated.output.contains("待重印 outdated 1") && outdated.output.contains(household),
                "\(outdated.output)")
        let refused = try await Self.run(["cards", "render", "--household", household, "--db", db])
        #expect(refused.status != 0 && refused.output.contains("card_outdated"), "\(refused.output)")
        let revoked = try await Self.run(["cards", "revoke", claims.cardIdHex, "--db", db])
        #expect(revoked.status == 0 && revoked.output.contains("已作废"), "\(revoked.output)")
        let reissued = try await Self.run(["cards", "issue", "--household", household, "--db", db])
        #expect(reissued.status == 0, "\(reissued.output)")
        let listed = try await Self.run(["cards", "list", "--household", household, "--db", db])
        #expect(listed.status == 0 && listed.output.contains("明白卡 cards: 2"), "\(listed.output)")
        let after = try await Self.run(["cards", "outdated", "--db", db])
        #expect(after.output.contains("待重印 outdated 0") && after.output.contains("有效 current 1"), "\(after.output)")
        let bad = try await Self.run(["cards", "render", "--db", db])
        #expect(bad.status != 0 && bad.output.contains("--household or --card"), "\(bad.output)")
    }
}
