import SyncModel

extension CountyGenerator {
    /// Makes the county, about one town per 1,000 households (at least 2) and one village per ~90
    /// households; returns the villages in code order.
    func makeRegions(_ rng: inout SplitMix64, _ state: inout GenerationState) -> [GeneratedVillage] {
        let townCount = max(2, Int((Double(householdCount) / 1000).rounded()))
        let villageCount = max(townCount, Int((Double(householdCount) / 90).rounded()))
        state.countyName = countyCode == "522327" ? "册亨县" : ChineseNames.placeName(&rng) + "县"
        state.regions.append(Self.record(.regions, countyCode, [
            "code": .string(countyCode), "name": .string(state.countyName), "level": "county",
            "parentCode": .string(String(countyCode.prefix(4))),
        ]))
        var townNames = Set<String>()
        var villages: [GeneratedVillage] = []
        villages.reserveCapacity(villageCount)
        for town in 0..<townCount {
            let townCode = countyCode + Self.pad(townCount <= 899 ? 101 + town : 1 + town, 3)
            let townName = Self.uniqueName(suffix: rng.chance(0.7) ? "镇" : "乡", avoiding: &townNames, &rng)
            state.regions.append(Self.record(.regions, townCode, [
                "code": .string(townCode), "name": .string(townName), "level": "town",
                "parentCode": .string(countyCode),
            ]))
            let first = town * villageCount / townCount, end = (town + 1) * villageCount / townCount
            var villageNames = Set<String>()
            for index in 0..<(end - first) {
                let code = townCode + Self.pad(end - first <= 799 ? 201 + index : 1 + index, 3)
                let name = Self.uniqueName(suffix: "村", avoiding: &villageNames, &rng)
                state.regions.append(Self.record(.regions, code, [
                    "code": .string(code), "name": .string(name), "level": "village", "parentCode": .string(townCode),
                ]))
                villages.append(GeneratedVillage(code: code, name: name, townName: townName))
            }
        }
        return villages
    }

    /// A place name not yet in `used`; after a few collisions a repeat is accepted (real counties repeat
    /// village names across towns too), so generation never loops on a small word list.
    private static func uniqueName(suffix: String, avoiding used: inout Set<String>, _ rng: inout SplitMix64) -> String {
        var name = ChineseNames.placeName(&rng) + suffix
        var attempts = 0
        while used.contains(name) && attempts < 20 {
            name = ChineseNames.placeName(&rng) + suffix
            attempts += 1
        }
        used.insert(name)
        return name
    }
}
