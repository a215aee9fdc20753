import SyncModel

extension CountyGenerator {
    // Main-cause weights in `PovertyCause.allCases` order: 因病 45 %, 因残 17 %, 因学 7 %, the rest spread.
    static let mainCauseWeights: [Double] = [45, 17, 7, 3, 3, 2, 8, 5, 6, 2, 2]

    /// Makes household `number` of `village` with its members.
    func makeHousehold(number: Int, in village: GeneratedVillage, _ rng: inout SplitMix64, _ state: inout GenerationState) {
        let id = village.code + Self.pad(number, 4)
        let size = rng.weightedIndex([12, 22, 25, 21, 13, 7]) + 1
        let causes = Self.drawCauses(&rng)
        var people = Self.makeFamily(size: size, &rng)
        Self.assignCircumstances(&people, causes: causes, &rng)

        var fields: [String: JSONValue] = [
            "householdNo": .string(id),
            "villageCode": .string(village.code),
            "headName": .string(people[0].name),
            "address": .string("\(village.townName)\(village.name)\(rng.int(in: 1...12))组\(rng.int(in: 1...99))号"),
            "causes": .array(causes.map { .string($0.rawValue) }),
        ]
        if rng.chance(0.8) { fields["phone"] = .string(Self.mobileNumber(&rng)) }

        let status: HouseholdStatus
        let roll = rng.unit()
        status = roll < 0.065 ? .monitored : roll < 0.08 ? .notLifted : .lifted
        fields["status"] = .string(status.rawValue)
        var category: MonitoringCategory?
        if status == .monitored {
            category = MonitoringCategory.allCases[rng.weightedIndex([35, 40, 25])]
            fields["monitoringCategory"] = .string(category!.rawValue)
        }

        let perCapita = Self.drawPerCapitaIncome(status: status, category: category, &rng)
        let workers = people.filter { $0.labour == .normal || $0.labour == .skilled }.count
        for (item, amount) in Self.splitIncome(net: perCapita * Double(size), hasWorkers: workers > 0, &rng) {
            fields[item.rawValue] = .int(amount)
        }
        for check in GuaranteeCheck.allCases {
            let probability = check == .foodSecure || check == .clothingSecure ? 0.995 : status == .lifted ? 0.98 : 0.9
            fields[check.rawValue] = .bool(rng.chance(probability))
        }
        for (policy, grant) in Self.drawPolicies(people: people, causes: causes, status: status, &rng) {
            fields[policy.fieldName] = grant
        }
        state.households.append(Self.record(.households, id, fields))
        state.householdTowns.append(village.townName)

        for (index, person) in people.enumerated() {
            let memberId = id + "-" + Self.pad(index + 1, 2)
            var memberFields: [String: JSONValue] = [
                "householdId": .string(id),
                "name": .string(person.name),
                "relation": .string(person.relation.rawValue),
                "idNumber": .string(issueIDNumber(for: person, &rng, &state)),
                "health": .string(person.health.rawValue),
                "labour": .string(person.labour.rawValue),
                "migrantWorker": .bool(person.migrantWorker),
            ]
            if let schooling = person.schooling { memberFields["schooling"] = .string(schooling.rawValue) }
            state.members.append(Self.record(.members, memberId, memberFields))
        }
    }

    /// One to four distinct causes, the main one first.
    static func drawCauses(_ rng: inout SplitMix64) -> [PovertyCause] {
        var weights = mainCauseWeights
        var causes: [PovertyCause] = []
        let count = 1 + rng.weightedIndex([45, 35, 15, 5])
        for _ in 0..<count {
            let index = rng.weightedIndex(weights)
            causes.append(PovertyCause.allCases[index])
            weights[index] = 0
        }
        return causes
    }

    /// Net income per capita (yuan): most lifted households 8,000–16,000; monitored ones around the line;
    /// not-lifted ones below it.
    static func drawPerCapitaIncome(status: HouseholdStatus, category: MonitoringCategory?, _ rng: inout SplitMix64) -> Double {
        switch status {
        case .notLifted:
            return rng.double(in: 4000...7400).rounded()
        case .monitored:
            return (category == .suddenHardship ? rng.double(in: 5000...9000) : rng.double(in: 6500...9500)).rounded()
        case .lifted:
            let roll = rng.unit()
            if roll < 0.03 { return rng.double(in: 7600...8000).rounded() }
            if roll < 0.12 { return rng.double(in: 16000...24000).rounded() }
            return (8000 + 8000 * (rng.unit() + rng.unit()) / 2).rounded()
        }
    }

    /// Splits a net income into the four income sources and a production cost that add up to it (to the
    /// yuan). Households without a worker live mostly on transfers.
    static func splitIncome(net: Double, hasWorkers: Bool, _ rng: inout SplitMix64) -> [(IncomeItem, Int64)] {
        var wage, business, property, transfer: Double
        if hasWorkers {
            (wage, business, property, transfer) = (
                rng.double(in: 0.45...0.75), rng.double(in: 0.05...0.25), rng.double(in: 0...0.03),
                rng.double(in: 0.1...0.3)
            )
        } else {
            (wage, business, property, transfer) = (
                rng.double(in: 0...0.1), rng.double(in: 0...0.1), rng.double(in: 0...0.03), rng.double(in: 0.7...0.9)
            )
        }
        let total = wage + business + property + transfer
        (wage, business, property, transfer) = (wage / total, business / total, property / total, transfer / total)
        let costRatio = rng.double(in: 0.3...0.6)
        let gross = net / (1 - costRatio * business)
        let businessYuan = Int64((gross * business).rounded())
        let costYuan = Int64((Double(businessYuan) * costRatio).rounded())
        let wageYuan = Int64((gross * wage).rounded())
        let propertyYuan = Int64((gross * property).rounded())
        // Transfer takes the rounding remainder so that the sources minus cost equal `net` exactly.
        let transferYuan = max(0, Int64(net) - wageYuan - businessYuan - propertyYuan + costYuan)
        return [
            (.incomeWage, wageYuan), (.incomeBusiness, businessYuan), (.incomeProperty, propertyYuan),
            (.incomeTransfer, transferYuan), (.productionCost, costYuan),
        ]
    }

    /// Zero to four policies, weighted by the household's causes and circumstances, with plausible yearly
    /// amounts (yuan, rounded to 10).
    static func drawPolicies(
        people: [GeneratedMember], causes: [PovertyCause], status: HouseholdStatus, _ rng: inout SplitMix64
    ) -> [(SupportPolicy, JSONValue)] {
        let head = people[0]
        let hasDisabled = people.contains { $0.health == .disabled }
        let hasPupil = people.contains { $0.schooling == .inSchool }
        let hasMigrant = people.contains { $0.migrantWorker }
        var weights: [Double] = SupportPolicy.allCases.map { policy in
            switch policy {
            case .dibao: return status == .lifted ? 5 : 15
            case .tekun: return people.count == 1 && head.age >= 60 ? 10 : 0
            case .medicalAid: return causes.contains(.illness) ? 12 : 3
            case .educationAid: return hasPupil ? (causes.contains(.education) ? 14 : 5) : 0
            case .housingRenovation: return 3
            case .industrySubsidy: return 8
            case .publicWelfareJob: return 4
            case .microcredit: return 4
            case .disabilitySubsidy: return hasDisabled ? 12 : 0
            case .pensionSubsidy: return 5
            case .ecoCompensation: return 5
            case .employmentSubsidy: return hasMigrant ? 8 : 1
            }
        }
        let wanted = rng.weightedIndex([15, 35, 30, 15, 5])
        var grants: [(SupportPolicy, JSONValue)] = []
        while grants.count < wanted, weights.contains(where: { $0 > 0 }) {
            let index = rng.weightedIndex(weights)
            weights[index] = 0
            let policy = SupportPolicy.allCases[index]
            let range = amountRange(policy)
            var grant: [String: JSONValue] = ["amount": .int(Int64(rng.int(in: (range.lowerBound / 10)...(range.upperBound / 10)) * 10))]
            if rng.chance(0.1) { grant["note"] = .string(rng.pick(["2025年度", "按季度发放", "已到户核实", "一次性发放"])) }
            grants.append((policy, .object(grant)))
        }
        return grants
    }

    static func amountRange(_ policy: SupportPolicy) -> ClosedRange<Int> {
        switch policy {
        case .dibao: return 3000...6000
        case .tekun: return 6000...9000
        case .medicalAid: return 500...20000
        case .educationAid: return 1000...5000
        case .housingRenovation: return 10000...35000
        case .industrySubsidy: return 1000...5000
        case .publicWelfareJob: return 4800...9600
        case .microcredit: return 10000...50000
        case .disabilitySubsidy: return 1200...2400
        case .pensionSubsidy: return 100...400
        case .ecoCompensation: return 300...2000
        case .employmentSubsidy: return 500...1500
        }
    }

    /// A valid ID number for `person` (county prefix, birth date from the age, gender digit to match) that no
    /// one else in the county has.
    func issueIDNumber(for person: GeneratedMember, _ rng: inout SplitMix64, _ state: inout GenerationState) -> String {
        let year = Self.referenceYear - 1 - person.age
        let month = rng.int(in: 1...12)
        let day = rng.int(in: 1...CalendarDate.daysInMonth(year: year, month: month))
        while true {
            let sequence = rng.int(in: 0...499) * 2 + (person.gender == .male ? 1 : 0)
            let number = IDNumber.make(regionCode6: countyCode, birth: (year, month, day), sequence: sequence)
            if state.issuedIDNumbers.insert(number).inserted { return number }
        }
    }
}
