import FieldDomain
import Foundation
import MingbaiCard
import Mustache
import QRCode
import SyncModel

/// Renders a 明白卡 for print (issue 10): the printed content (`CardContent.compose`) and the card's signed
/// payload become an HTML page (A4 or A5) with the QR code as inline SVG, at least 35 mm wide, or the same
/// card as one SVG document in millimetres. Every value from the records is escaped by the templates; the
/// QR's SVG is built here from the modules, not from text.
public struct CardRenderer: Sendable {
    public enum Paper: String, Sendable, CaseIterable {
        case a4 = "A4", a5 = "A5"
        /// The QR's printed side: ≥ 35 mm (DESIGN §5), larger on A4.
        var qrMillimetres: Int { self == .a4 ? 45 : 38 }
        var fontSize: String { self == .a4 ? "11pt" : "9pt" }
    }

    private let template: MustacheTemplate
    private let svgTemplate: MustacheTemplate
    /// The SVG template's partials.
    private let svgLibrary: MustacheLibrary

    public init() throws {
        template = try MustacheTemplate(string: CardTemplate.html)
        svgTemplate = try MustacheTemplate(string: CardSVGTemplate.svg)
        svgLibrary = MustacheLibrary(templates: ["fit": try MustacheTemplate(string: CardSVGTemplate.fit)])
    }

    /// The card page. `level` is the QR's error correction (Q by default; H for weathered posters).
    public func html(content: JSONValue, payload: String, claims: CardClaims, paper: Paper = .a4,
                     level: QRMatrix.Level = .q) throws -> String {
        guard let matrix = QRMatrix(payload, level: level) else { throw CardError("the payload does not fit a QR code") }
        var context = Self.context(content)
        context["paper"] = paper.rawValue
        context["fontSize"] = paper.fontSize
        context["qrSize"] = "\(paper.qrMillimetres)mm"
        context["qrSVG"] = Self.svg(matrix)
        context["cardId"] = claims.cardIdHex
        context["issuedOn"] = CardClaims.day(claims.issuedAt)
        return template.render(context)
    }

    /// The card as a standalone SVG document, `paper` wide and high in millimetres (its `viewBox` too), with
    /// what the HTML page shows as text lines and the QR nested at 45 mm (A4) or 38 mm (A5). A household
    /// with more members than the sheet has rows for lists those that fit and says "等 N 人".
    public func svg(content: JSONValue, payload: String, claims: CardClaims, paper: Paper = .a4,
                    level: QRMatrix.Level = .q) throws -> String {
        guard let matrix = QRMatrix(payload, level: level) else { throw CardError("the payload does not fit a QR code") }
        let context = CardSVGLayout(paper: paper).context(Self.context(content), qrSVG: Self.svg(matrix),
                                                          cardId: claims.cardIdHex, issuedOn: CardClaims.day(claims.issuedAt))
        return svgTemplate.render(context, library: svgLibrary)
    }

    /// The QR as SVG: one path of unit squares on a white square with a 4-module quiet zone; it scales to
    /// any printed size.
    public static func svg(_ matrix: QRMatrix) -> String {
        let side = matrix.size + 8
        var path = ""
        for row in 0..<matrix.size {
            for column in 0..<matrix.size where matrix.isDark(row: row, column: column) {
                path += "M\(column + 4) \(row + 4)h1v1h-1z"
            }
        }
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(side) \(side)\" shape-rendering=\"crispEdges\">"
            + "<rect width=\"\(side)\" height=\"\(side)\" fill=\"#fff\"/><path d=\"\(path)\" fill=\"#000\"/></svg>"
    }

    /// The template's values, with codes shown by their zh-CN names.
    static func context(_ content: JSONValue) -> [String: Any] {
        let root = content.objectValue ?? [:]
        let household = root["household"]?.objectValue ?? [:]
        func text(_ value: JSONValue?) -> String {
            switch value {
            case .string(let text)?: return text
            case .int(let number)?: return String(number)
            case .double(let number)?: return String(format: "%.2f", number)
            default: return ""
            }
        }
        func name<Code: DomainCode>(_ type: Code.Type, _ value: JSONValue?) -> String {
            value?.stringValue.flatMap { Code(rawValue: $0)?.displayName } ?? text(value)
        }
        var context: [String: Any] = [
            "householdNo": text(household["householdNo"] ?? root["householdId"]),
            "headName": text(household["headName"]), "address": text(household["address"]),
            "village": text(household["villageCode"]),
            "causes": (household["causes"]?.arrayValue ?? []).map { name(PovertyCause.self, $0) }.joined(separator: "、"),
            "status": name(HouseholdStatus.self, household["status"]),
            "netIncome": text(root["netIncome"]), "perCapitaNetIncome": text(root["perCapitaNetIncome"]),
            "hotline": text(root["hotline"]),
        ]
        if let category = household["monitoringCategory"], !category.isNull {
            context["monitoringCategory"] = name(MonitoringCategory.self, category)
        }
        context["members"] = (root["members"]?.arrayValue ?? []).map { member -> [String: Any] in
            let fields = member.objectValue ?? [:]
            return ["name": text(fields["name"]), "relation": name(MemberRelation.self, fields["relation"]),
                    "idNumber": text(fields["idNumber"]), "schooling": name(SchoolingLevel.self, fields["schooling"])]
        }
        context["helpers"] = (root["helpers"]?.arrayValue ?? []).map { helper -> [String: Any] in
            let fields = helper.objectValue ?? [:]
            return ["name": text(fields["name"]), "unit": text(fields["unit"]), "phone": text(fields["phone"])]
        }
        let income = root["income"]?.objectValue ?? [:]
        context["income"] = IncomeItem.allCases.map { item -> [String: Any] in
            ["label": item.displayName, "amount": text(income[item.rawValue])]
        }
        // Two sources a row on the page.
        let sources = context["income"] as? [[String: Any]] ?? []
        context["incomeRows"] = stride(from: 0, to: sources.count, by: 2).map { index -> [String: Any] in
            let second = index + 1 < sources.count ? sources[index + 1] : [:]
            return ["label1": sources[index]["label"] ?? "", "amount1": sources[index]["amount"] ?? "",
                    "label2": second["label"] ?? "", "amount2": second["amount"] ?? ""]
        }
        let checks = root["checks"]?.objectValue ?? [:]
        context["checks"] = GuaranteeCheck.allCases.map { check -> [String: Any] in
            let value: String
            switch checks[check.rawValue] {
            case .bool(true)?: value = "是"
            case .bool(false)?: value = "否"
            default: value = "—"
            }
            return ["label": check.displayName, "value": value]
        }
        let policies = root["policies"]?.objectValue ?? [:]
        context["policies"] = SupportPolicy.allCases.compactMap { policy -> [String: Any]? in
            guard let grant = policies[policy.rawValue]?.objectValue else { return nil }
            var entry: [String: Any] = ["label": policy.displayName, "amount": text(grant["amount"]) + " 元"]
            if let note = grant["note"]?.stringValue, !note.isEmpty { entry["note"] = note }
            return entry
        }
        context["measures"] = (root["measures"]?.arrayValue ?? []).compactMap { $0.stringValue.map { ["text": $0] } }
        return context
    }

}
