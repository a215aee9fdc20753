import SyncModel

/// Generates a plausible, entirely synthetic county for demos, load tests and simulations: regions,
/// helpers, households with members, and assignments.
///
/// Deterministic: the output depends only on the county code, the household count and the seed (no clock,
/// no system randomness), so the same arguments give byte-identical records. Every record passes
/// `validateAdmin(op: .create, …)` and `validateRecord`. Names, numbers and ID numbers are invented; ID
/// numbers are well-formed (they pass GB 11643) but belong to no one.
public struct CountyGenerator: Sendable {
    /// The 6-digit county code.
    public let countyCode: String
    /// The number of households to generate.
    public let householdCount: Int
    /// The seed of the random sequence.
    public let seed: UInt64

    /// The stamp of every generated field: 2026-01-01T00:00:00+08:00, node `seed`.
    public static let seedStamp = HLCTimestamp(physical: 1_767_196_800_000, logical: 0, node: "seed")
    /// The year ages are counted to.
    public static let referenceYear = 2026

    /// A generator for `households` households of `countyCode`, drawing from `seed`.
    ///
    /// - Precondition: `countyCode` is a valid county code; `households` is 0…200,000 (helper ids have 5
    ///   digits; a real county has at most a few tens of thousands of registered households).
    public init(countyCode: String = "522327", households: Int, seed: UInt64) {
        precondition(RegionCode.isCounty(countyCode), "countyCode must be a 6-digit county code")
        precondition((0...200_000).contains(households), "households must be 0...200000")
        self.countyCode = countyCode
        self.householdCount = households
        self.seed = seed
    }

    /// Generates the county.
    public func generate() -> SyntheticCounty {
        var rng = SplitMix64(seed: seed)
        var state = GenerationState(countyCode: countyCode)
        let villages = makeRegions(&rng, &state)
        let counts = villageSizes(villages.count, &rng)
        state.households.reserveCapacity(householdCount)
        state.householdTowns.reserveCapacity(householdCount)
        for (village, count) in zip(villages, counts) {
            for number in stride(from: 1, through: count, by: 1) {
                makeHousehold(number: number, in: village, &rng, &state)
            }
        }
        makeHelpers(&rng, &state)
        return SyntheticCounty(
            regions: state.regions, helpers: state.helpers, households: state.households, members: state.members,
            assignments: state.assignments)
    }

    /// Splits the households over villages, each getting 75–125 % of an even share.
    private func villageSizes(_ villageCount: Int, _ rng: inout SplitMix64) -> [Int] {
        let weights = (0..<villageCount).map { _ in rng.double(in: 0.75...1.25) }
        let total = weights.reduce(0, +)
        var sizes = weights.map { Int(Double(householdCount) * $0 / total) }
        var missing = householdCount - sizes.reduce(0, +)
        var index = 0
        while missing > 0 {
            sizes[index % villageCount] += 1
            missing -= 1
            index += 1
        }
        return sizes
    }

    /// A record as the generator seeds it (every field stamped `seedStamp`, scope keys from the schema).
    public static func seedRecord(_ collection: CollectionName, _ id: String, _ fields: [String: JSONValue]) -> SyncRecord {
        record(collection, id, fields)
    }

    static func record(_ collection: CollectionName, _ id: String, _ fields: [String: JSONValue]) -> SyncRecord {
        let stamps = fields.mapValues { _ in seedStamp }
        return SyncRecord(
            collection: collection, id: id, version: 0, fields: fields, stamps: stamps,
            scope: Domain.schema(for: collection).scope(recordId: id, fields: fields))
    }

    static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}

/// What generation accumulates.
struct GenerationState {
    let countyCode: String
    var countyName = ""
    var regions: [SyncRecord] = []
    var helpers: [SyncRecord] = []
    var households: [SyncRecord] = []
    var members: [SyncRecord] = []
    var assignments: [SyncRecord] = []
    /// Town name of each household, in household order (helpers from town governments serve their town).
    var householdTowns: [String] = []
    /// ID numbers issued so far: one person, one number.
    var issuedIDNumbers: Set<String> = []
}

/// A generated village and where it lies.
struct GeneratedVillage {
    let code: String
    let name: String
    let townName: String
}
