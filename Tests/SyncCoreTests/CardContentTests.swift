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
        return (household, CardContent.compose(householdId: household.id, household: fields, members: members, helpers: helpers))
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
}
