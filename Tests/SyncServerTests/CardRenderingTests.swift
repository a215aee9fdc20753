import CardRendering
import Crypto
import FieldDomain
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import MingbaiCard
import QRCode
import SyncModel
import Testing

/// The printed 明白卡 (issue 10 §4, §8): the HTML and the SVG escape every value and print masked ID numbers
/// only; and, with the real outside tools, headless Chromium prints the HTML to PDF, pdftoppm rasterises the
/// page at 150 dpi, zbarimg reads the QR off it, and the payload verifies as current, then as outdated after
/// an edit; Chromium also draws the SVG (an ordinary household and a crowded one) and zbarimg reads that.
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
        var visits: [String: [String: JSONValue]] = [:]
        var content: JSONValue {
            CardContent.compose(householdId: household.id, household: fields, members: members, helpers: helpers, visits: visits)
        }
    }

    static func card(headName: String? = nil, memberName: String? = nil) throws -> Card {
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
        var card = Card(household: household, fields: fields, members: members, helpers: helpers)
        card.visits = ["visit-1": ["visitedAt": "2026-10-02T09:00:00Z", "measures": ["产业扶持：发放鸡苗50只", "<i>就业帮扶</i>：推荐到县城务工"]]]
        if let memberName, let first = card.members.keys.min() { card.members[first]?["name"] = .string(memberName) }
        return card
    }

    /// More than a sheet holds: 40 members, 7 helpers, every policy with a long note, long names and address.
    static func crowdedCard() throws -> Card {
        var card = try Self.card()
        let member = try #require(card.members.values.first), helper = try #require(card.helpers.values.first)
        card.members = Dictionary(uniqueKeysWithValues: (0..<40).map { index in
            var fields = member
            fields["name"] = .string(index == 0 ? "欧阳诸葛慕容上官司马长名字" : "成员\(index)")
            return ("m\(100 + index)", fields)
        })
        card.helpers = Dictionary(uniqueKeysWithValues: (0..<7).map { index in
            var fields = helper
            fields["unit"] = .string("某某县乡村振兴局驻某某村第一书记工作队第\(index + 1)小组办公室")
            return ("h\(index)", fields)
        })
        for policy in SupportPolicy.allCases {
            card.fields[policy.fieldName] = ["amount": 1_234_567, "note": .string(String(repeating: "按季度发放，由镇财政所直接打卡到户", count: 4))]
        }
        card.visits = Dictionary(uniqueKeysWithValues: (0..<12).map { index in
            ("visit-\(index)", ["visitedAt": .string("2026-10-\(10 + index)T09:00:00Z"),
                                 "measures": [.string("第\(index + 1)项措施：" + String(repeating: "落实小额信贷贴息并跟踪产业发展", count: 3))]])
        })
        card.fields["status"] = "monitored"
        card.fields["monitoringCategory"] = "suddenHardship"
        card.fields["causes"] = ["lackMotivation", "poorTransport", "illness", "disability"]
        card.fields["address"] = .string("\u{8}1号" + String(repeating: "某某省某某市某某县某某镇某某村", count: 4))
        return card
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
    func aPrintedCardScansBackAndVerifies(_ paper: CardRenderer.Paper) async throws {
        let card = try Self.card()
        let (signer, payload, claims) = try Self.signed(card.content, household: card.household.id)
        let html = try CardRenderer().html(content: card.content, payload: payload, claims: claims, paper: paper)
        // Kept outside git for a look at the printed page: the path is printed.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bangfu-card-\(paper.rawValue)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let page = directory.appendingPathComponent("card.html")
        try Data(html.utf8).write(to: page)
        let pdf = directory.appendingPathComponent("card.pdf")
        try await Self.run(Self.tools[0]!, ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                                      "--user-data-dir=\(directory.path)/profile", "--print-to-pdf=\(pdf.path)", page.absoluteString])
        try await Self.run(Self.tools[1]!, ["-r", "150", "-png", "-f", "1", "-l", "1", pdf.path, directory.appendingPathComponent("page").path])
        let image = try #require(try FileManager.default.contentsOfDirectory(atPath: directory.path).first { $0.hasPrefix("page") && $0.hasSuffix(".png") })
        print("card \(paper.rawValue) printed page: \(directory.appendingPathComponent(image).path)")
        let scanned = try await Self.run(Self.tools[2]!, ["-q", "--raw", "--nodbus", directory.appendingPathComponent(image).path])
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

    @Test func theSVGEscapesEveryValueAndParsesAsXML() throws {
        let card = try Self.card(headName: "<script>alert('x')</script>", memberName: "<script>成员</script>")
        let (_, payload, claims) = try Self.signed(card.content, household: card.household.id)
        let svg = try CardRenderer().svg(content: card.content, payload: payload, claims: claims, paper: .a5)
        #expect(!svg.contains("<script>") && svg.contains("&lt;script&gt;成员&lt;/script&gt;"), "a member's name is shown as text")
        // Cut with "…" to fit its column on A5; what is shown is text.
        #expect(svg.contains("&lt;script&gt;alert(&#39;"), "the head's name is shown as text")
        #expect(!svg.contains("<b>按月发放</b>"), "a policy note is shown as text")
        for member in card.members.values {
            if let number = member["idNumber"]?.stringValue {
                #expect(!svg.contains(number) && svg.contains(PersonalData.idNumber.mask(number)))
            }
        }
        if let phone = card.fields["phone"]?.stringValue { #expect(!svg.contains(phone), "the household's phone is printed") }
        #expect(svg.contains(#"width="148mm" height="210mm" viewBox="0 0 148 210""#))
        #expect(svg.contains(#"width="38" height="38"><svg xmlns="http://www.w3.org/2000/svg" viewBox="#), "the QR, nested at 38 mm")
        #expect(svg.contains("Noto Sans CJK SC") && svg.contains("12317") && svg.contains("2026-11-22"))
        #expect(svg.contains("低保") && svg.contains("3600 元"))
        let text = try Self.svgText(svg)
        #expect(text.contains("<script>成员</script>"), "the name, unescaped by an XML parser, is character data")
        #expect(text.contains(claims.cardIdHex))
    }

    @Test(arguments: CardRenderer.Paper.allCases)
    func aCrowdedHouseholdStaysOnTheSheet(_ paper: CardRenderer.Paper) throws {
        let card = try Self.crowdedCard()
        let (_, payload, claims) = try Self.signed(card.content, household: card.household.id)
        let svg = try CardRenderer().svg(content: card.content, payload: payload, claims: claims, paper: paper)
        let text = try Self.svgText(svg)
        #expect(text.contains("等 40 人") && text.contains("等 7 人"))
        #expect(text.contains("监测对象（突发严重困难户）"))
        #expect(text.contains("\u{FFFD}1号"), "a control character, which XML refuses, is replaced")
        let (width, height) = paper == .a4 ? (210.0, 297.0) : (148.0, 210.0)
        let baselines = Self.numbers(after: " y=\"", in: svg), lefts = Self.numbers(after: " x=\"", in: svg)
        #expect(!baselines.isEmpty && baselines.allSatisfy { $0 > 0 && $0 <= height - 8 }, "every line above the bottom margin")
        #expect(!lefts.isEmpty && lefts.allSatisfy { $0 >= 8 && $0 < width - 8 }, "every line starts inside the margins")
    }

    @Test(.enabled(if: tools.allSatisfy { $0 != nil }, "chromium and zbarimg are needed; scripts/test.sh installs them"),
          arguments: CardRenderer.Paper.allCases, [false, true])
    func aDrawnSVGCardScansBackAndVerifies(_ paper: CardRenderer.Paper, crowded: Bool) async throws {
        let card = try crowded ? Self.crowdedCard() : Self.card()
        let (signer, payload, claims) = try Self.signed(card.content, household: card.household.id)
        let svg = try CardRenderer().svg(content: card.content, payload: payload, claims: claims, paper: paper)
        // Kept outside git for a look at the drawn card: the path is printed.
        let name = "bangfu-card-svg-\(paper.rawValue)\(crowded ? "-crowded" : "")-\(UUID().uuidString.prefix(8))"
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let file = directory.appendingPathComponent("card.svg")
        try Data(svg.utf8).write(to: file)
        // At 96 px to the inch, twice over (about 190 dpi): a 38 mm QR of 61 modules gets 4.5 pixels a module.
        let (width, height) = paper == .a4 ? (210.0, 297.0) : (148.0, 210.0)
        let pixels = { (millimetres: Double) in Int((millimetres / 25.4 * 96).rounded(.up)) }
        let image = directory.appendingPathComponent("card.png")
        try await Self.run(Self.tools[0]!, ["--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                                      "--user-data-dir=\(directory.path)/profile", "--force-device-scale-factor=2",
                                      "--window-size=\(pixels(width)),\(pixels(height))", "--screenshot=\(image.path)", file.absoluteString])
        print("card \(paper.rawValue)\(crowded ? " crowded" : "") drawn from SVG: \(image.path)")
        let scanned = try await Self.run(Self.tools[2]!, ["-q", "--raw", "--nodbus", image.path]).trimmingCharacters(in: .newlines)
        #expect(scanned == payload)
        let verifier = CardVerifier(trust: CardTrustList(keys: [CardSignerKey(publicKey: signer.publicKey, validFrom: 0)], asOf: 0))
        let now = CardHouseholdState(revision: 1, contentHash: CardContent.hash(card.content))
        #expect(verifier.verify(scanned) { _ in now } == .current(claims))
    }

    /// The character data of an SVG document, as an XML parser reads it; throws when it does not parse.
    static func svgText(_ svg: String) throws -> String {
        final class Collector: NSObject, XMLParserDelegate {
            var text = ""
            func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }
        }
        let parser = XMLParser(data: Data(svg.utf8)), collector = Collector()
        parser.delegate = collector
        guard parser.parse() else { throw CardError("the SVG is not well-formed XML: \(parser.parserError.map(String.init(describing:)) ?? "")") }
        return collector.text
    }

    /// Every number that follows `prefix` in `text`, e.g. each `y="…"`.
    static func numbers(after prefix: String, in text: String) -> [Double] {
        text.components(separatedBy: prefix).dropFirst().compactMap { Double($0.prefix { $0 != "\"" }) }
    }

    /// Runs a tool on a thread of its own (see `CommandLineTests.run`).
    @discardableResult
    static func run(_ tool: String, _ arguments: [String]) async throws -> String {
        try await TLSHardeningTests.offPool { try runBlocking(tool, arguments) }
    }

    private static func runBlocking(_ tool: String, _ arguments: [String]) throws -> String {
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
