import FieldDomain
import Foundation
import SyncModel

/// What a 明白卡 prints (DESIGN §5), composed from the records, in one JSON value whose hash the QR carries
/// (`CardContent.hash`): the same records give the same content, so a verifier holding them can tell a
/// current card from an outdated one.
///
/// Printed: the household number, head, address and village; its members with name, relation, schooling
/// and the ID number masked (`3201**********123X`, security.md §5); causes; its helpers with unit and phone
/// (the household calls them); the 帮扶措施 its visits recorded (`measures(of:)`); income by source, net and
/// per capita; the 两不愁三保障 and 饮水 checks;
/// status and monitoring category; policies enjoyed with amounts; the 12317 supervision hotline. Not
/// printed (a card hangs in public; county 公示 rules forbid it): the household's phone, members' health,
/// anything else personal. Issue date and card id are in the QR, not in the content: reissuing an
/// unchanged household gives the same content hash.
extension CardContent {
    /// The supervision hotline printed on every card.
    public static let hotline = "12317"

    /// Measures printed at most.
    public static let maxMeasures = 8

    /// The printed content of household `householdId` with `household` fields, its live `members` (id →
    /// fields), its `helpers` (id → fields) and its `visits` (id → fields).
    public static func compose(householdId: String, household: [String: JSONValue], members: [String: [String: JSONValue]],
                               helpers: [String: [String: JSONValue]], visits: [String: [String: JSONValue]]) -> JSONValue {
        func pick(_ fields: [String: JSONValue], _ names: [String]) -> JSONValue {
            .object(names.reduce(into: [:]) { result, name in result[name] = fields[name] ?? .null })
        }
        let printedMembers: [JSONValue] = members.keys.sorted().map { id in
            var member = members[id]!
            if let number = member["idNumber"]?.stringValue { member["idNumber"] = .string(PersonalData.idNumber.mask(number)) }
            return pick(member, ["name", "relation", "idNumber", "schooling"])
        }
        let printedHelpers: [JSONValue] = helpers.keys.sorted().map { pick(helpers[$0]!, ["name", "unit", "phone"]) }
        let summary = HouseholdSummary(household: household, memberCount: members.count)
        var policies: [String: JSONValue] = [:]
        for policy in SupportPolicy.allCases {
            if let grant = household[policy.fieldName], !grant.isNull { policies[policy.rawValue] = grant }
        }
        return [
            "householdId": .string(householdId),
            "household": pick(household, ["householdNo", "headName", "address", "villageCode", "causes", "status",
                                          "monitoringCategory"]),
            "members": .array(printedMembers),
            "helpers": .array(printedHelpers),
            "income": pick(household, IncomeItem.allCases.map(\.rawValue)),
            "netIncome": .string(Self.yuan(summary.netIncome)),
            "perCapitaNetIncome": .string(Self.yuan(summary.perCapitaNetIncome)),
            "checks": pick(household, GuaranteeCheck.allCases.map(\.rawValue)),
            "policies": .object(policies),
            "measures": .array(measures(of: visits).map(JSONValue.string)),
            "hotline": .string(hotline),
        ]
    }

    /// The 帮扶措施 a card prints: the distinct measures of the household's visits in the order they were
    /// first recorded (by `visitedAt`, then visit id), a visit that another amends counting as its correction;
    /// the latest `maxMeasures` of them. A visit that repeats a measure changes nothing, so a card stays
    /// current until a new measure is recorded.
    public static func measures(of visits: [String: [String: JSONValue]]) -> [String] {
        let amended = Set(visits.values.compactMap { $0["amends"]?.stringValue })
        let ordered = visits.filter { !amended.contains($0.key) }.sorted { lhs, rhs in
            (lhs.value["visitedAt"]?.stringValue ?? "", lhs.key) < (rhs.value["visitedAt"]?.stringValue ?? "", rhs.key)
        }
        var seen = Set<String>()
        var result: [String] = []
        for (_, visit) in ordered {
            for measure in visit["measures"]?.arrayValue ?? [] {
                if let text = measure.stringValue, !text.isEmpty, seen.insert(text).inserted { result.append(text) }
            }
        }
        return Array(result.suffix(maxMeasures))
    }

    /// Yuan with two decimals, as printed (`41610.00`, `-12.50`). Built from whole fen, not through a
    /// `NumberFormatter`, which cost more per card than its signature.
    static func yuan(_ amount: Decimal) -> String {
        var value = amount * 100
        var rounded = Decimal()
        NSDecimalRound(&rounded, &value, 0, .plain)
        let fen = NSDecimalNumber(decimal: rounded).int64Value
        let whole = fen.magnitude / 100, cents = fen.magnitude % 100
        return (fen < 0 ? "-" : "") + "\(whole)." + (cents < 10 ? "0" : "") + "\(cents)"
    }
}
