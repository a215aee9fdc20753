import Foundation
import FieldDomain
import MingbaiCard
import SyncModel
import Testing

/// What a card prints, and therefore its content hash (protocol/cards.md §2.3): the same records give the
/// same hash; a printed change gives another; a change nothing prints (the household's phone, a member's
/// health, the hidden middle of an ID number) leaves it; no full ID number or household phone is printed.
@Suite struct CardContentTests {
    static let county = CountyGenerator(households: 12, seed: 3).generate()

    static func content(_ edit: (inout [String: JSONValue], inout [String: [String: JSONValue]]) -> Void = { _, _ in })
        throws -> (household: SyncRecord, content: JSONValue)
    {
        let household = try #require(county.households.first { record in
            county.members.filter { $0.scope.householdId == record.id }.count >= 2 && record.fields["phone"] != nil
        })
        var fields = household.fields
        var members = Dictionary(uniqueKeysWithValues: county.members.filter { $0.scope.householdId == household.id }
            .map { ($0.id, $0.fields) })
        let helperIds = Set(county.assignments.filter { $0.scope.householdId == household.id }.compactMap(\.scope.helperId))
        let helpers = Dictionary(uniqueKeysWithValues: county.helpers.filter { helperIds.contains($0.id) }.map { ($0.id, $0.fields) })
        edit(&fields, &members)
        return (household, CardContent.compose(householdId: household.id, household: fields, members: members, helpers: helpers,
                                               visits: [:]))
    }

    /// The 帮扶措施 printed: distinct, in the order first recorded, an amended visit replaced by its
    /// correction, the latest eight; a visit repeating a measure leaves the hash, a new measure changes it.
    @Test func measuresAreTheDistinctOnesTheVisitsRecordedTheLatestEight() throws {
        func visit(_ day: Int, _ measures: [String], amends: String? = nil) -> [String: JSONValue] {
            var fields: [String: JSONValue] = ["visitedAt": .string("2026-0\(day / 10 + 1)-1\(day % 10)T09:00:00Z"),
                                               "measures": .array(measures.map(JSONValue.string))]
            if let amends { fields["amends"] = .string(amends) }
            return fields
        }
        var visits = ["v1": visit(1, ["产业扶持：发放鸡苗50只", "就业帮扶"]), "v2": visit(2, ["就业帮扶", "危房改造"])]
        #expect(CardContent.measures(of: visits) == ["产业扶持：发放鸡苗50只", "就业帮扶", "危房改造"])
        let (household, _) = try Self.content()
        func hash(_ visits: [String: [String: JSONValue]]) -> [UInt8] {
            CardContent.hash(CardContent.compose(householdId: household.id, household: household.fields, members: [:],
                                                 helpers: [:], visits: visits))
        }
        let before = hash(visits)
        visits["v3"] = visit(3, ["危房改造"])
        #expect(hash(visits) == before, "a repeated measure changes nothing printed")
        visits["v4"] = visit(4, ["教育资助"])
        #expect(hash(visits) != before, "a new measure is printed")
        // A correction replaces the visit it amends.
        visits["v5"] = visit(5, ["产业扶持：发放鸡苗30只"], amends: "v1")
        #expect(!CardContent.measures(of: visits).contains("产业扶持：发放鸡苗50只"))
        #expect(CardContent.measures(of: visits).first == "就业帮扶")
        for day in 6..<20 { visits["w\(day)"] = visit(day, ["措施\(day)"]) }
        let printed = CardContent.measures(of: visits)
        #expect(printed.count == CardContent.maxMeasures && printed.last == "措施19" && printed.first == "措施12")
    }

    @Test func theSameRecordsGiveTheSameHashAndPrintedChangesAnother() throws {
        let (household, base) = try Self.content()
        #expect(CardContent.hash(base) == CardContent.hash(try Self.content().content))
        let changed = try Self.content { fields, _ in fields["incomeWage"] = .int(99_999) }.content
        #expect(CardContent.hash(changed) != CardContent.hash(base), "income is printed")
        let renamed = try Self.content { _, members in
            let first = members.keys.sorted()[0]
            members[first]?["name"] = "改名"
        }.content
        #expect(CardContent.hash(renamed) != CardContent.hash(base), "members' names are printed")
        #expect(base.objectValue?["hotline"] == "12317")
        // Amounts print as yuan with two decimals, the figures HouseholdSummary derives.
        let members = Self.county.members.filter { $0.scope.householdId == household.id }.count
        let summary = HouseholdSummary(household: household.fields, memberCount: members)
        #expect(base.objectValue?["netIncome"] == .string(Self.yuan(summary.netIncome)))
        #expect(base.objectValue?["perCapitaNetIncome"] == .string(Self.yuan(summary.perCapitaNetIncome)))
        let cut = try Self.content { fields, _ in
            for item in IncomeItem.allCases { fields[item.rawValue] = .int(0) }
            fields["productionCost"] = .double(12.5)
        }.content
        #expect(cut.objectValue?["netIncome"] == "-12.50" && cut.objectValue?["perCapitaNetIncome"]?.stringValue?.hasPrefix("-") == true)
        #expect(base.objectValue?["householdId"] == .string(household.id))
    }

    /// The reference: `Decimal`'s own text, padded to two decimals.
    static func yuan(_ amount: Decimal) -> String {
        let parts = "\(amount)".split(separator: ".", omittingEmptySubsequences: false)
        let cents = parts.count > 1 ? String(parts[1]) : ""
        return "\(parts[0])." + cents + String(repeating: "0", count: max(0, 2 - cents.count))
    }

    @Test func whatIsNotPrintedDoesNotChangeTheHashAndNoFullNumberIsPrinted() throws {
        let (household, base) = try Self.content()
        let text = String(decoding: JSONWriter.bytes(base), as: UTF8.self)
        for member in Self.county.members where member.scope.householdId == household.id {
            if let number = member.fields["idNumber"]?.stringValue {
                #expect(!text.contains(number), "a full ID number is printed")
                #expect(text.contains(PersonalData.idNumber.mask(number)))
            }
        }
        let phone = try #require(household.fields["phone"]?.stringValue)
        #expect(!text.contains(phone), "the household's phone is printed")
        let unprinted = try Self.content { fields, members in
            fields["phone"] = "13900000000"
            let first = members.keys.sorted()[0]
            members[first]?["health"] = "disabled"
            if let number = members[first]?["idNumber"]?.stringValue {
                // Another number with the same first and last four characters: the card looks the same.
                let characters = Array(number)
                members[first]?["idNumber"] = .string(String(characters.prefix(4)) + "0000000000" + String(characters.suffix(4)))
            }
        }.content
        #expect(CardContent.hash(unprinted) == CardContent.hash(base))
    }

    /// The hash's two parts: a phone that lacks a co-helper's profile knows only the household part, and
    /// from it tells an outdated card (the household changed) from one it cannot judge (genuine), never
    /// calling a card current on half the facts.
    @Test func withoutTheHelpersAVerifierTellsOutdatedButNeverCurrent() throws {
        let (household, base) = try Self.content()
        let hash = CardContent.hash(base)
        #expect(hash.count == 16 && Array(hash.prefix(8)) == CardContent.householdPart(base))
        let helperless = try Self.content().content.objectValue.map { content -> JSONValue in
            var content = content
            content["helpers"] = .array([])
            return .object(content)
        }!
        #expect(CardContent.householdPart(helperless) == CardContent.householdPart(base), "helpers are not in the household part")
        #expect(CardContent.hash(helperless) != hash, "they are in the helpers part")
        let signer = try CardSigner(privateKey: Array(repeating: 7, count: 32))
        let verifier = CardVerifier(trust: CardTrustList(keys: [CardSignerKey(publicKey: signer.publicKey, validFrom: 0)], asOf: 0))
        let payload = try signer.sign(CardClaims(keyId: [], cardId: Array(repeating: 1, count: 12), householdId: household.id,
                                                 householdRevision: 1, issuedAt: 10, contentHash: hash))
        let same = CardHouseholdState.withoutHelpers(revision: 1, householdPart: CardContent.householdPart(base))
        #expect(verifier.verify(payload) { _ in same }.name == "genuine")
        let edited = try Self.content { fields, _ in fields["incomeWage"] = .int(12_345) }.content
        let changed = CardHouseholdState.withoutHelpers(revision: 2, householdPart: CardContent.householdPart(edited))
        #expect(verifier.verify(payload) { _ in changed }.name == "outdated")
        #expect(verifier.verify(payload) { _ in CardHouseholdState(revision: 1, contentHash: hash) }.name == "current")
    }
}
