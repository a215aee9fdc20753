import SyncModel

extension CountyGenerator {
    static let countyDepartments = [
        "农业农村局", "教育局", "卫生健康局", "人力资源和社会保障局", "民政局", "住房和城乡建设局", "乡村振兴局",
        "财政局", "自然资源局", "水务局", "交通运输局", "医疗保障局", "残疾人联合会", "林业局", "统计局",
    ]

    /// Groups consecutive households (so mostly within one village) into helpers' portfolios of 1–5 (mean
    /// about 2.7), and makes each helper and assignment.
    func makeHelpers(_ rng: inout SplitMix64, _ state: inout GenerationState) {
        let sizeWeights: [Double] = [10, 35, 35, 12, 8]
        var start = 0
        var number = 0
        let households = state.households
        while start < households.count {
            let size = min(households.count - start, rng.weightedIndex(sizeWeights) + 1)
            number += 1
            precondition(number <= 99_999, "helper ids have 5 digits")
            let helperId = "hp" + countyCode + Self.pad(number, 5)
            let gender: Gender = rng.chance(0.6) ? .male : .female
            let unit = rng.chance(0.4)
                ? state.householdTowns[start] + "人民政府"
                : state.countyName + rng.pick(Self.countyDepartments)
            state.helpers.append(Self.record(.helpers, helperId, [
                "name": .string(ChineseNames.surname(&rng) + ChineseNames.givenName(gender, &rng)),
                "unit": .string(unit),
                "phone": .string(Self.mobileNumber(&rng)),
                "countyCode": .string(countyCode),
            ]))
            for household in households[start..<(start + size)] {
                state.assignments.append(Self.record(.assignments, helperId + ":" + household.id, [
                    "helperId": .string(helperId), "householdId": .string(household.id),
                ]))
            }
            start += size
        }
    }

    static func mobileNumber(_ rng: inout SplitMix64) -> String {
        let prefixes = ["135", "136", "137", "138", "139", "150", "151", "152", "158", "159", "182", "187", "188",
                        "130", "131", "132", "155", "156", "185", "186", "133", "153", "180", "181", "189", "199"]
        return rng.pick(prefixes) + pad(rng.int(in: 0...99_999_999), 8)
    }
}
