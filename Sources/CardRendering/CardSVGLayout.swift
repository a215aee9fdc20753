import Foundation

/// Where each line of the SVG card goes. SVG has no flow layout, so this places what the HTML page's tables
/// flow: in millimetres, y downwards, every y a text baseline. The title; beside the QR (top right) the
/// hotline, issue date, card id and the household; then the sections 家庭成员, 收入情况, 两不愁三保障,
/// 享受政策 and 帮扶责任人, each a bold title over a rule, one row a line.
///
/// Only the member list has no natural bound, so it gets the rows left on the sheet once everything else is
/// placed; a household with more members than that lists as many as fit less one, and its last row says
/// "等 N 人" with N the whole household and how many are not listed. Helpers are capped the same way at
/// `helperRows`, measures at `measureRowLimit`; policies (at most twelve, two a row) and the rest always fit. Every value from the records
/// is fitted to its column (`TextFit`), so nothing runs off the sheet or into the next column.
struct CardSVGLayout {
    let paper: CardRenderer.Paper
    let width: Double, height: Double, margin: Double
    let fontSize: Double, line: Double
    /// Helper rows at most, the "等 N 人" row included.
    let helperRows = 4
    /// Rows for the 帮扶措施, one measure a row (4 on A4, 2 on A5); more are counted ("等 N 项").
    var measureRowLimit: Int { paper == .a4 ? 4 : 2 }

    init(paper: CardRenderer.Paper) {
        self.paper = paper
        (width, height) = paper == .a4 ? (210, 297) : (148, 210)
        margin = paper == .a4 ? 12 : 9
        // 11 pt and 9 pt, as on the HTML page.
        fontSize = paper == .a4 ? 3.9 : 3.2
        line = fontSize * 1.5
    }

    var contentWidth: Double { width - 2 * margin }
    var qrSize: Double { Double(paper.qrMillimetres) }
    var gap: Double { line * 0.4 }

    /// The template's values: `values` is `CardRenderer.context(_:)`, whose strings are placed and fitted here.
    func context(_ values: [String: Any], qrSVG: String, cardId: String, issuedOn: String) -> [String: Any] {
        func string(_ key: String, in dictionary: [String: Any]) -> String { dictionary[key] as? String ?? "" }
        func string(_ key: String) -> String { string(key, in: values) }
        func list(_ key: String) -> [[String: Any]] { values[key] as? [[String: Any]] ?? [] }

        var context: [String: Any] = [
            "width": mm(width), "height": mm(height), "fontSize": mm(fontSize), "titleSize": mm(fontSize * 1.6),
            "smallSize": mm(fontSize * 0.8), "hotlineSize": mm(fontSize * 1.2), "left": mm(margin), "right": mm(width - margin),
            "titleText": TextFit.xmlCharacters(string("householdNo")),
        ]
        var y = margin + fontSize * 1.6
        context["titleX"] = mm(width / 2)
        context["titleY"] = mm(y)
        y += line * 0.8

        // The top block: the QR at the right, eight lines at its left.
        let qrX = width - margin - qrSize
        let leftWidth = qrX - margin - fontSize
        let headX = margin + leftWidth / 2
        context["qrX"] = mm(qrX)
        context["qrY"] = mm(y)
        context["qrSize"] = mm(qrSize)
        context["qrSVG"] = qrSVG
        context["scanX"] = mm(qrX + qrSize / 2)
        context["scanY"] = mm(y + qrSize + fontSize)
        context["scanNote"] = fit(CardSVGTemplate.scanNote, qrSize, size: fontSize * 0.8)
        let top = ["hotlineY", "issuedY", "cardY", "householdY", "addressY", "villageY", "causesY", "statusY"]
        for (index, key) in top.enumerated() { context[key] = mm(y + fontSize + Double(index) * line) }
        context["headX"] = mm(headX)
        context["hotline"] = fit(string("hotline"), leftWidth - 7 * fontSize * 1.2, size: fontSize * 1.2)
        context["issuedOn"] = issuedOn
        context["cardId"] = fit(cardId, leftWidth - 3 * fontSize)
        context["householdNo"] = fit(string("householdNo"), headX - margin - 5 * fontSize)
        context["headName"] = fit(string("headName"), margin + leftWidth - headX - 3 * fontSize)
        context["address"] = fit(string("address"), leftWidth - 3 * fontSize)
        context["village"] = fit(string("village"), leftWidth - 6 * fontSize)
        context["causes"] = fit(string("causes"), leftWidth - 5 * fontSize)
        context["status"] = fit(string("status"), (leftWidth - 5 * fontSize) / 2)
        if let category = values["monitoringCategory"] as? String {
            context["monitoringCategory"] = fit(category, (leftWidth - 5 * fontSize) / 2 - 2 * fontSize)
        }
        y += max(fontSize + Double(top.count - 1) * line + line * 0.4, qrSize + fontSize * 1.4) + gap

        // Every section but the members' has a bound on its rows: measure those first, give the members the rest.
        let income = list("income"), policies = list("policies"), helpers = list("helpers"), members = list("members")
        let measures = list("measures")
        let measureRows = max(1, min(measures.count, measureRowLimit))
        let incomeRows = (income.count + 1) / 2 + 1
        let checkRows = 2
        let policyRows = max(1, (policies.count + 1) / 2)
        let helperRowCount = max(1, min(helpers.count, helperRows))
        let sections = [incomeRows, checkRows, policyRows, measureRows, helperRowCount].reduce(0) { $0 + sectionHeight(rows: $1) }
        // Less the members' title, their header row and the gap after them.
        let memberSlots = Int(((height - margin) - y - sections - gap) / line) - 2
        let listed = members.count <= memberSlots ? members.count : max(0, memberSlots - 1)

        context["members"] = section(at: &y, rows: 1 + listed + (listed < members.count ? 1 : 0)) { rowY in
            let columns = [0, 0.24, 0.44, 0.78].map { margin + $0 * contentWidth }
            func cell(_ index: Int) -> Double { (index + 1 < columns.count ? columns[index + 1] : width - margin) - columns[index] - fontSize }
            var section: [String: Any] = ["headerY": mm(rowY(0))]
            for (index, key) in ["nameX", "relationX", "idNumberX", "schoolingX"].enumerated() { section[key] = mm(columns[index]) }
            section["rows"] = members.prefix(listed).enumerated().map { index, member -> [String: Any] in
                ["y": mm(rowY(index + 1)), "name": fit(string("name", in: member), cell(0)),
                 "relation": fit(string("relation", in: member), cell(1)),
                 "idNumber": fit(string("idNumber", in: member), cell(2)),
                 "schooling": fit(string("schooling", in: member), cell(3))]
            }
            if listed < members.count {
                section["more"] = ["y": mm(rowY(listed + 1)), "total": members.count, "unlisted": members.count - listed]
            }
            return section
        }

        context["income"] = section(at: &y, rows: incomeRows) { rowY in
            let columnWidth = contentWidth / 2
            let amountWidth = columnWidth - fontSize - 8 * fontSize
            var rows = income.enumerated().map { index, item -> [String: Any] in
                let x = margin + Double(index % 2) * columnWidth
                // The left column keeps an em from the right one; the right one ends at the margin.
                let amountX = index % 2 == 0 ? x + columnWidth - fontSize : width - margin
                return ["x": mm(x), "amountX": mm(amountX), "y": mm(rowY(index / 2)),
                        "label": string("label", in: item), "amount": fit(string("amount", in: item), amountWidth)]
            }
            let netY = rowY(incomeRows - 1)
            rows.append(["x": mm(margin), "amountX": mm(margin + columnWidth - fontSize), "y": mm(netY), "emphasis": true,
                         "label": "家庭纯收入", "amount": fit(string("netIncome"), amountWidth)])
            rows.append(["x": mm(margin + columnWidth), "amountX": mm(width - margin), "y": mm(netY), "emphasis": true,
                         "label": "人均纯收入", "amount": fit(string("perCapitaNetIncome"), amountWidth)])
            return ["rows": rows]
        }

        context["checks"] = section(at: &y, rows: checkRows) { rowY in
            let checks = list("checks")
            let perRow = (checks.count + checkRows - 1) / checkRows
            return ["rows": checks.enumerated().map { index, check -> [String: Any] in
                ["x": mm(margin + Double(index % perRow) * contentWidth / Double(perRow)), "y": mm(rowY(index / perRow)),
                 "label": string("label", in: check), "value": string("value", in: check)]
            }]
        }

        context["policies"] = section(at: &y, rows: policyRows) { rowY in
            let columnWidth = contentWidth / 2
            var section: [String: Any] = ["rows": policies.enumerated().map { index, policy -> [String: Any] in
                let label = string("label", in: policy)
                let amount = fit(string("amount", in: policy), 10 * fontSize)
                var row: [String: Any] = ["x": mm(margin + Double(index % 2) * columnWidth), "y": mm(rowY(index / 2)),
                                          "label": label, "amount": amount]
                if let note = policy["note"] as? String {
                    let used = TextFit.ems(label) + 1 + min(TextFit.ems(amount["text"] as? String ?? ""), 10) + 2
                    row["note"] = fit(note, max(columnWidth - fontSize - used * fontSize, fontSize))
                }
                return row
            }]
            if policies.isEmpty { section["none"] = ["y": mm(rowY(0))] }
            return section
        }

        context["measures"] = section(at: &y, rows: measureRows) { rowY in
            let listed = measures.count <= measureRowLimit ? measures.count : measureRowLimit - 1
            var section: [String: Any] = ["rows": measures.prefix(listed).enumerated().map { index, measure -> [String: Any] in
                ["y": mm(rowY(index)), "text": fit(string("text", in: measure), contentWidth - fontSize)]
            }]
            if listed < measures.count {
                section["more"] = ["y": mm(rowY(listed)), "total": measures.count, "unlisted": measures.count - listed]
            }
            if measures.isEmpty { section["none"] = ["y": mm(rowY(0))] }
            return section
        }

        context["helpers"] = section(at: &y, rows: helperRowCount) { rowY in
            let columns = [0, 0.24, 0.72].map { margin + $0 * contentWidth }
            func cell(_ index: Int) -> Double { (index + 1 < columns.count ? columns[index + 1] : width - margin) - columns[index] - fontSize }
            let listed = helpers.count <= helperRows ? helpers.count : helperRows - 1
            var section: [String: Any] = ["nameX": mm(columns[0]), "unitX": mm(columns[1]), "phoneX": mm(columns[2])]
            section["rows"] = helpers.prefix(listed).enumerated().map { index, helper -> [String: Any] in
                ["y": mm(rowY(index)), "name": fit(string("name", in: helper), cell(0)),
                 "unit": fit(string("unit", in: helper), cell(1)), "phone": fit(string("phone", in: helper), cell(2))]
            }
            if listed < helpers.count {
                section["more"] = ["y": mm(rowY(listed)), "total": helpers.count, "unlisted": helpers.count - listed]
            }
            if helpers.isEmpty { section["none"] = ["y": mm(rowY(0))] }
            return section
        }
        return context
    }

    /// A title line, a rule under it and `rows` lines: the height it takes, with the gap before the next.
    func sectionHeight(rows: Int) -> Double { Double(1 + rows) * line + gap }

    /// Places a section at `y` and moves `y` past it; `rows` gets the baseline of each row by index.
    private func section(at y: inout Double, rows: Int, _ build: ((Int) -> Double) -> [String: Any]) -> [String: Any] {
        let top = y
        let baseline = { (slot: Int) in top + Double(slot) * line + line * 0.75 }
        var section = build { baseline($0 + 1) }
        section["titleY"] = mm(baseline(0))
        section["ruleY"] = mm(top + line)
        y += sectionHeight(rows: rows)
        return section
    }

    /// A value from the records, fitted to `width` mm at `size` (the body size by default): `text`, and
    /// `squeeze` (the `textLength`) when it is squeezed.
    private func fit(_ text: String, _ width: Double, size: Double? = nil) -> [String: Any] {
        let fitted = TextFit.fitted(text, within: width, fontSize: size ?? fontSize)
        var value: [String: Any] = ["text": fitted.text]
        if let squeeze = fitted.squeeze { value["squeeze"] = mm(squeeze) }
        return value
    }

    /// Millimetres as SVG user units: at most two decimals, no trailing zeros.
    func mm(_ value: Double) -> String {
        var text = String(format: "%.2f", value)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }
}
