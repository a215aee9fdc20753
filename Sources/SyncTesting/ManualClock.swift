import Synchronization

/// A clock tests move by hand (STYLE rule 4): milliseconds since 1970.
public final class ManualClock: Sendable {
    private let millis: Mutex<Int64>

    public init(_ start: Int64 = 1_795_313_100_000) { millis = Mutex(start) }

    /// The current time.
    public func now() -> Int64 { millis.withLock { $0 } }

    /// Moves the clock forward.
    public func advance(by milliseconds: Int64) { millis.withLock { $0 += milliseconds } }

    /// Sets the clock.
    public func set(_ value: Int64) { millis.withLock { $0 = value } }
}
