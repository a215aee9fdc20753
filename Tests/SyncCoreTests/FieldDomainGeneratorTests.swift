import Foundation
import Testing
import SyncModel
import FieldDomain

@Suite("FieldDomain: synthetic county generator")
struct FieldDomainGeneratorTests {
    static let county = CountyGenerator(households: 5000, seed: 42).generate()

    static func encoded(_ county: SyntheticCounty) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return try encoder.encode(county)
    }

    @Test func sameSeedGivesByteIdenticalOutput() throws {
        let first = try Self.encoded(CountyGenerator(households: 300, seed: 7).generate())
        let second = try Self.encoded(CountyGenerator(households: 300, seed: 7).generate())
        #expect(first == second)
        let other = try Self.encoded(CountyGenerator(households: 300, seed: 8).generate())
        #expect(first != other)
    }

    @Test func splitMix64MatchesTheReferenceSequence() {
        // First outputs of the reference C implementation seeded with 0.
        var rng = SplitMix64(seed: 0)
        #expect(rng.next() == 0xE220_A839_7B1D_CDAF)
        #expect(rng.next() == 0x6E78_9E6A_A1B9_65F4)
        var bounded = SplitMix64(seed: 99)
        for _ in 0..<1000 { #expect((3...7).contains(bounded.int(in: 3...7))) }
    }

    @Test func everyRecordPassesTheAdminSchema() {
        for record in Self.county.allRecords {
            let schema = Domain.schema(for: record.collection)
            let writeViolation = schema.validateAdmin(op: .create, fields: record.fields)
            #expect(writeViolation == nil, "\(record.id): \(String(describing: writeViolation))")
            let recordViolation = schema.validateRecord(record.fields)
            #expect(recordViolation == nil, "\(record.id): \(String(describing: recordViolation))")
            #expect(record.version == 0)
            #expect(Set(record.stamps.keys) == Set(record.fields.keys))
            #expect(record.stamps.values.allSatisfy { $0 == CountyGenerator.seedStamp })
            #expect(record.scope == schema.scope(recordId: record.id, fields: record.fields))
        }
        #expect(CountyGenerator.seedStamp.physical == ISOTimestamp.parse("2026-01-01T00:00:00+08:00"))
    }

    @Test func regionTreeHasTownsAndVillagesOfPlausibleSize() {
        let regions = Self.county.regions
        let byLevel = Dictionary(grouping: regions) { $0.fields["level"]!.stringValue! }
        #expect(byLevel["county"]?.count == 1)
        #expect((4...6).contains(byLevel["town"]?.count ?? 0))
        let villages = byLevel["village"] ?? []
        let perVillage = Double(Self.county.households.count) / Double(villages.count)
        #expect((60...120).contains(perVillage))
        let villageCodes = Set(villages.map(\.id))
        for household in Self.county.households {
            #expect(villageCodes.contains(household.fields["villageCode"]!.stringValue!))
            #expect(household.id == household.fields["householdNo"]!.stringValue!)
        }
        #expect(CountyGenerator(households: 10, seed: 1).generate().regions.filter { $0.fields["level"] == "town" }.count == 2)
    }

    @Test func everyHouseholdHasExactlyOneHelperWithOneToFiveHouseholds() {
        let county = Self.county
        var helperOf: [String: String] = [:]
        for assignment in county.assignments {
            let household = assignment.fields["householdId"]!.stringValue!
            #expect(helperOf[household] == nil)
            helperOf[household] = assignment.fields["helperId"]!.stringValue!
            #expect(assignment.id == helperOf[household]! + ":" + household)
        }
        #expect(Set(helperOf.keys) == Set(county.households.map(\.id)))
        let loads = Dictionary(grouping: helperOf.values, by: { $0 }).mapValues(\.count)
        #expect(loads.values.allSatisfy { (1...5).contains($0) })
        #expect(Set(loads.keys) == Set(county.helpers.map(\.id)))
        let ratio = Double(county.households.count) / Double(county.helpers.count)
        #expect((2...3).contains(ratio))
        #expect(county.helpers.allSatisfy { $0.id.hasPrefix("hp522327") && $0.id.count == 13 })
    }

    @Test func mainCausesFollowTheNationalPattern() {
        let mains = Self.county.households.map { $0.fields["causes"]!.arrayValue![0].stringValue! }
        func share(_ cause: PovertyCause) -> Double {
            Double(mains.filter { $0 == cause.rawValue }.count) / Double(mains.count)
        }
        #expect(abs(share(.illness) - 0.45) < 0.03)
        #expect(abs(share(.disability) - 0.17) < 0.02)
        #expect(abs(share(.education) - 0.07) < 0.015)
        for cause in PovertyCause.allCases { #expect(share(cause) > 0, "\(cause)") }
    }

    @Test func membersArePlausibleFamiliesWithValidIDNumbers() {
        let county = Self.county
        let byHousehold = Dictionary(grouping: county.members) { $0.fields["householdId"]!.stringValue! }
        let mean = Double(county.members.count) / Double(county.households.count)
        #expect(abs(mean - 3.2) < 0.2)
        var idNumbers = Set<String>()
        for household in county.households {
            let members = byHousehold[household.id] ?? []
            #expect((1...6).contains(members.count))
            #expect(members.first?.fields["relation"] == "head")
            #expect(members.filter { $0.fields["relation"] == "head" }.count == 1)
            #expect(members.first?.fields["name"] == household.fields["headName"])
            for (index, member) in members.enumerated() {
                #expect(member.id == household.id + "-" + (index < 9 ? "0" : "") + String(index + 1))
                let id = member.fields["idNumber"]!.stringValue!
                #expect(IDNumber.isValid(id))
                #expect(id.hasPrefix("522327"))
                #expect(idNumbers.insert(id).inserted)
                let birthYear = IDNumber.birthDate(id)!.year
                #expect((1925...2025).contains(birthYear))
            }
            let causes = household.fields["causes"]!.arrayValue!.map { $0.stringValue! }
            let health = members.map { $0.fields["health"]!.stringValue! }
            if causes.first == "illness" { #expect(health.contains("chronic") || health.contains("serious")) }
            if causes.first == "disability" { #expect(health.contains("disabled")) }
        }
    }

    @Test func ageAndRelationsAgreeWithGenderDigits() {
        let byId = Dictionary(uniqueKeysWithValues: Self.county.members.map { ($0.id, $0) })
        for member in Self.county.members where member.fields["relation"] == "spouse" {
            let head = byId[String(member.id.dropLast(2)) + "01"]!
            let headGender = IDNumber.gender(head.fields["idNumber"]!.stringValue!)
            let spouseGender = IDNumber.gender(member.fields["idNumber"]!.stringValue!)
            #expect(headGender != spouseGender)
        }
        for member in Self.county.members where member.fields["relation"] == "child" {
            let head = byId[String(member.id.dropLast(2)) + "01"]!
            let headYear = IDNumber.birthDate(head.fields["idNumber"]!.stringValue!)!.year
            let childYear = IDNumber.birthDate(member.fields["idNumber"]!.stringValue!)!.year
            #expect(childYear - headYear >= 18)
        }
    }

    @Test func incomesSitAroundTheLineAndStatusesAreMostlyLifted() {
        let county = Self.county
        let sizes = Dictionary(grouping: county.members) { $0.fields["householdId"]!.stringValue! }.mapValues(\.count)
        var inBand = 0, below = 0, monitored = 0, notLifted = 0, lifted = 0
        for household in county.households {
            let summary = HouseholdSummary(household: household.fields, memberCount: sizes[household.id]!)
            if summary.perCapitaNetIncome >= 8000 && summary.perCapitaNetIncome <= 16000 { inBand += 1 }
            if summary.isBelow() { below += 1 }
            switch household.fields["status"]!.stringValue! {
            case "monitored":
                monitored += 1
                #expect(household.fields["monitoringCategory"] != nil)
            case "notLifted": notLifted += 1
            default:
                lifted += 1
                #expect(household.fields["monitoringCategory"] == nil)
            }
            let policies = household.fields.keys.filter { $0.hasPrefix("policies.") }.count
            #expect((0...4).contains(policies))
        }
        let total = Double(county.households.count)
        #expect(Double(inBand) / total > 0.6)
        #expect((0.01...0.12).contains(Double(below) / total))
        #expect((0.05...0.08).contains(Double(monitored) / total))
        #expect(notLifted > 0 && Double(notLifted) / total < 0.04)
        #expect(Double(lifted) / total > 0.85)
        let secure = county.households.filter { $0.fields["housingSecure"] == true }.count
        #expect(Double(secure) / total > 0.9)
    }

    @Test func twentyThousandHouseholdsGenerateQuickly() {
        let start = ContinuousClock.now
        let county = CountyGenerator(households: 20_000, seed: 3).generate()
        let elapsed = ContinuousClock.now - start
        #expect(county.households.count == 20_000)
        #expect(county.assignments.count == 20_000)
        #expect(elapsed < .seconds(10))
        print("generated 20,000 households in \(elapsed)")
    }
}
