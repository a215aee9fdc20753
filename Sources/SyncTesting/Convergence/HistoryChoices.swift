import FieldDomain
import Synchronization

/// Where a randomized history takes every decision from: a seed (the CI runs and replays), or a list of
/// numbers (property-based runs, so the shrinker can cut a failing history down by removing numbers).
///
/// A scripted source that runs out answers the lowest choice (no fault, no action) and says it is
/// `exhausted`, which ends the history's random phase.
public final class HistoryChoices: Sendable {
    private enum Source {
        case seeded(SplitMix64)
        case scripted([Int], Int)
    }

    private let state: Mutex<Source>

    /// Decisions drawn from `seed`.
    public init(seed: UInt64) { state = Mutex(.seeded(SplitMix64(seed: seed))) }

    /// Decisions read from `script`, one number per decision.
    public init(script: [Int]) { state = Mutex(.scripted(script, 0)) }

    /// Whether a scripted source has used every number.
    public var exhausted: Bool {
        state.withLock { source in
            if case .scripted(let script, let next) = source { return next >= script.count }
            return false
        }
    }

    /// A choice in `range`.
    public func int(_ range: ClosedRange<Int>) -> Int {
        state.withLock { source in
            switch source {
            case .seeded(var generator):
                let value = Int.random(in: range, using: &generator)
                source = .seeded(generator)
                return value
            case .scripted(let script, let next):
                guard next < script.count else { return range.lowerBound }
                source = .scripted(script, next + 1)
                let width = range.upperBound - range.lowerBound + 1
                return range.lowerBound + ((script[next] % width) + width) % width
            }
        }
    }

    /// True with probability `percent` / 100.
    public func chance(_ percent: Int) -> Bool { int(0...99) < percent }

    /// One element of `items`.
    public func pick<T>(_ items: [T]) -> T { items[int(0...(items.count - 1))] }

    /// A generator for the client's ids and backoff jitter, seeded from this source.
    public func generator() -> SplitMix64 {
        SplitMix64(seed: UInt64(int(0...0xFFFF_FFFF)) << 32 | UInt64(int(0...0xFFFF_FFFF)))
    }
}
