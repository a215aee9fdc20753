/// A hybrid logical clock (Kulkarni et al.): issues stamps that never go backwards and that follow every
/// stamp it has seen, even when the wall clock lags.
///
/// A value type: the caller supplies the physical time (`now`) so tests drive it with a manual clock.
public struct HybridLogicalClock: Sendable, Hashable, Codable {
    /// The node id written into every stamp this clock issues.
    public let node: String
    /// The newest stamp issued or observed.
    public private(set) var last: HLCTimestamp

    /// A clock for `node` that has issued nothing yet.
    public init(node: String, last: HLCTimestamp = .zero) {
        self.node = node
        self.last = HLCTimestamp(physical: last.physical, logical: last.logical, node: node)
    }

    /// Issues a stamp for a local event at wall-clock time `now` (milliseconds since 1970).
    public mutating func tick(now: Int64) -> HLCTimestamp {
        if now > last.physical {
            last = HLCTimestamp(physical: now, logical: 0, node: node)
        } else {
            last = HLCTimestamp(physical: last.physical, logical: last.logical &+ 1, node: node)
        }
        return last
    }

    /// Takes in a stamp seen from elsewhere so that the next local stamp orders after it.
    public mutating func observe(_ remote: HLCTimestamp, now: Int64) {
        let physical = max(now, last.physical, remote.physical)
        let logical: UInt32
        if physical == last.physical && physical == remote.physical {
            logical = max(last.logical, remote.logical) &+ 1
        } else if physical == last.physical {
            logical = last.logical &+ 1
        } else if physical == remote.physical {
            logical = remote.logical &+ 1
        } else {
            logical = 0
        }
        last = HLCTimestamp(physical: physical, logical: logical, node: node)
    }
}
