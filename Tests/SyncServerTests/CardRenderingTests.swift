import CardRendering
import Crypto
import FieldDomain
import Foundation
import MingbaiCard
import QRCode
import SyncModel
import Testing

/// The printed 明白卡 (issue 10 §4, §8): the HTML escapes every value and prints masked ID numbers only; and,
/// with the real outside tools, headless Chromium prints it to PDF, pdftoppm rasterises the page at 150
/// dpi, zbarimg reads the QR off it, and the payload verifies as current, then as outdated after an edit.
@Suite struct CardRenderingTests {
    static let county = CountyGenerator(households: 12, seed: 3).generate()
    static let tools = ["chromium", "pdftoppm", "zbarimg"].map { tool in
        ["/usr/bin/\(tool)", "/usr/local/bin/\(tool)"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    struct Card {
        var household: SyncRecord
        var fields: [String: JSONValue]
        var members: [String: [String: JSONValue]]
        var helpers: [String: [String: JSONValue]]
        var content: JSONValue { CardContent.compose(householdId: household.id, household: fields, members: members, helpers: helpers) }
    }

    static func card(headName: String? = nil) throws -> Card {
        let household = try #require(county.households.first { record in
            county.members.filter { $0.scope.householdId == record.id }.count >= 2
        })
        var fields = household.fields
        if let headName { fields["headName"] = .string(headName) }
        fields["policies.dibao"] = ["amount": 3600, "note": "<b>按月发放</b>"]
        let members = Dictionary(uniqueKeysWithValues: county.members.filter { $0.scope.householdId == household.id }
            .map { ($0.id, $0.fields) })
        let helperIds = Set(county.assignments.filter { $0.scope.householdId == household.id }.compactMap(\.scope.helperId))
        let helpers = Dictionary(uniqueKeysWithValues: county.helpers.filter { helperIds.contains($0.id) }.map { ($0.id, $0.fields) })
        return Card(household: household, fields: fields, members: members, helpers: helpers)
    }

    static func signed(_ content: JSONValue, household: String) throws -> (signer: CardSigner, payload: String, claims: CardClaims) {
        let signer = try CardSigner(privateKey: Array(SHA256.hash(data: Array("bangfu card render test".utf8))))
        var claims = CardClaims(keyId: [], cardId: [UInt8](repeating: 7, count: 12), householdId: household,
                                householdRevision: 1, issuedAt: 1_795_313_100, contentHash: CardContent.hash(content))
        let payload = try signer.sign(claims)
        claims.keyId = signer.keyId
        return (signer, payload, claims)
    }

    @Test func everyValueIsEscapedAndOnlyMaskedIDNumbersArePrinted() throws {
        let card = try Self.card(headName: "<script>alert('x')</script>")
        let (_, payload, claims) = try Self.signed(card.content, household: card.household.id)
        let html = try CardRenderer().html(content: card.content, payload: payload, claims: claims, paper: .a5)
        #expect(!html.contains("<script>") && html.contains("&lt;script&gt;"), "the head's name is shown as text")
        #expect(!html.contains("<b>按月发放</b>"), "a policy note is shown as text")
        for member in card.members.values {
            if let number = member["idNumber"]?.stringValue {
                #expect(!html.contains(number) && html.contains(PersonalData.idNumber.mask(number)))
            }
        }
        if let phone = card.fields["phone"]?.stringValue { #expect(!html.contains(phone), "the household's phone is printed") }
        #expect(html.contains("12317") && html.contains("size: A5") && html.contains("width: 38mm"))
        #expect(html.contains("低保") && html.contains("3600 元"))
        #expect(html.contains("发卡日期：2026-11-22"), "the issue date in China Standard Time")
    }

    @Test(.enabled(if: tools.allSatisfy { $0 != nil }, "chromium, pdftoppm and zbarimg are needed; scripts/test.sh installs them"),
          arguments: CardRenderer.Paper.allCases)
    func aPrintedCardScansBackAndVerifies(_ paper: CardRenderer.Paper) throws {
        let card = try Self.card()
        let (signer, payload, claims) = try Self.signed(card.content, household: card.household.id)
        let html = try CardRenderer().html(content: card.content, payload: payload, claims: claims, paper: paper)
        // Kept outside git for a look at the printed page: the path is printed.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bangfu-card-\(paper.rawValue)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let page = directory.appendingPathComponent("card.html")
        try Data(html.utf8).write(to: page)
        let pdf = directory.appendingPathComponent("card.pdf")
        try Self.run(Self.tools[0]!, ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                                      "--user-data-dir=\(directory.path)/profile", "--print-to-pdf=\(pdf.path)", page.absoluteString])
        try Self.run(Self.tools[1]!, ["-r", "150", "-png", "-f", "1", "-l", "1", pdf.path, directory.appendingPathComponent("page").path])
        let image = try #require(try FileManager.default.contentsOfDirectory(atPath: directory.path).first { $0.hasPrefix("page") && $0.hasSuffix(".png") })
        print("card \(paper.rawValue) printed page: \(directory.appendingPathComponent(image).path)")
        let scanned = try Self.run(Self.tools[2]!, ["-q", "--raw", "--nodbus", directory.appendingPathComponent(image).path])
            .trimmingCharacters(in: .newlines)
        #expect(scanned == payload)
        let verifier = CardVerifier(trust: CardTrustList(keys: [CardSignerKey(publicKey: signer.publicKey, validFrom: 0)], asOf: 0))
        let now = CardHouseholdState(revision: 1, contentHash: CardContent.hash(card.content))
        #expect(verifier.verify(scanned) { _ in now } == .current(claims))
        var edited = card
        edited.fields["incomeWage"] = .int(12_345)
        let after = CardHouseholdState(revision: 2, contentHash: CardContent.hash(edited.content))
        #expect(verifier.verify(scanned) { _ in after } == .outdated(claims))
    }

    @discardableResult
    static func run(_ tool: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw CardError("\(tool) exited with \(process.terminationStatus)") }
        return String(decoding: data, as: UTF8.self)
    }
}
