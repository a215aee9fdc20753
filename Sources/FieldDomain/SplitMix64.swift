/// A small, fast, seedable random number generator (Steele, Lea & Flood's SplitMix64).
///
/// The same seed gives the same sequence on every platform and Swift version, which is what seeded tests
/// and the synthetic county need; it is not for cryptography. The helpers below draw bounded values with
/// arithmetic of their own instead of the standard library's `random(in:using:)`, whose algorithm is not
/// promised to stay the same.
public struct SplitMix64: RandomNumberGenerator, Sendable, Hashable {
    /// The internal state; advances by a fixed odd constant per draw.
    public private(set) var state: UInt64

    /// A generator seeded with `seed`.
    public init(seed: UInt64) { self.state = seed }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform integer in `range` (Lemire's multiply-shift; the bias is below 2⁻³² for ranges used here).
    public mutating func int(in range: ClosedRange<Int>) -> Int {
        let span = UInt64(range.upperBound - range.lowerBound) &+ 1
        if span == 0 { return Int(truncatingIfNeeded: next()) }
        let high = next().multipliedFullWidth(by: span).high
        return range.lowerBound + Int(high)
    }

    /// A uniform `Double` in [0, 1).
    public mutating func unit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A uniform `Double` in `range`.
    public mutating func double(in range: ClosedRange<Double>) -> Double {
        range.lowerBound + unit() * (range.upperBound - range.lowerBound)
    }

    /// `true` with probability `probability`.
    public mutating func chance(_ probability: Double) -> Bool { unit() < probability }

    /// A uniformly chosen element of a non-empty collection.
    public mutating func pick<C: RandomAccessCollection>(_ elements: C) -> C.Element where C.Index == Int {
        elements[elements.startIndex + int(in: 0...(elements.count - 1))]
    }

    /// An index drawn with probability proportional to `weights` (non-negative, not all zero).
    public mutating func weightedIndex(_ weights: [Double]) -> Int {
        var total = 0.0
        for index in weights.indices { total += weights[index] }
        var target = unit() * total
        for index in weights.indices {
            if target < weights[index] { return index }
            target -= weights[index]
        }
        return weights.count - 1
    }
}
