import FieldDomain
import Synchronization
import SyncService

/// A seeded, thread-safe source of random bytes and numbers for tests and the simulator (STYLE rule 4).
public final class SeededRandomSource: Sendable {
    private let generator: Mutex<SplitMix64>

    public init(seed: UInt64) { generator = Mutex(SplitMix64(seed: seed)) }

    /// `count` random bytes.
    public func bytes(_ count: Int) -> [UInt8] {
        generator.withLock { generator in (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) } }
    }

    /// A random integer in `range`.
    public func int(in range: ClosedRange<Int>) -> Int {
        generator.withLock { Int.random(in: range, using: &$0) }
    }

    /// A random number in `0 ..< 1`.
    public func unit() -> Double {
        generator.withLock { Double.random(in: 0..<1, using: &$0) }
    }

    /// A lowercase version-4 UUID (formatted as the server formats device ids).
    public func uuid() -> String { SyncService.uuidString(bytes(16)) }
}
