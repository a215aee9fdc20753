import Foundation
import Testing
import SyncModel
import FieldDomain

@Suite("FieldDomain: derived household figures")
struct FieldDomainSummaryTests {
    @Test func netIncomeIsSourcesMinusProductionCost() {
        let household: [String: JSONValue] = [
            "incomeWage": 20000, "incomeBusiness": 6000.5, "incomeProperty": 300, "incomeTransfer": 4200.25,
            "productionCost": 2500.75,
        ]
        let (net, perCapita) = HouseholdSummary.derive(household: household, memberCount: 3)
        #expect(net == Decimal(string: "28000"))
        #expect(perCapita == Decimal(string: "9333.33"))
    }

    @Test func perCapitaRoundsHalfAwayFromZeroToTheFen() {
        let (_, perCapita) = HouseholdSummary.derive(household: ["incomeWage": 0.05], memberCount: 2)
        #expect(perCapita == Decimal(string: "0.03"))
        let (_, negative) = HouseholdSummary.derive(household: ["productionCost": 0.05], memberCount: 2)
        #expect(negative == Decimal(string: "-0.03"))
    }

    @Test func missingIncomeCountsAsZeroAndMemberCountIsAtLeastOne() {
        let (net, perCapita) = HouseholdSummary.derive(household: ["incomeWage": 9000, "incomeTransfer": nil], memberCount: 0)
        #expect(net == 9000)
        #expect(perCapita == 9000)
    }

    @Test func povertyLineComparison() {
        let summary = HouseholdSummary(household: ["incomeWage": 15000], memberCount: 2)
        #expect(summary.isBelow(PovertyLine.current))
        #expect(PovertyLine.current == 7600)
    }
}
