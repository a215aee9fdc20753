import SyncModel

/// Clamps device stamps that run ahead of the server's clock (DESIGN §3.7).
///
/// A phone whose clock is set years ahead would otherwise win every later last-writer-wins merge. A stamp
/// whose physical part is more than `maxSkewMs` ahead of the server's clock is pulled back to the server's
/// time; the logical counter and node are kept so that stamps from one push stay ordered.
public struct ClockSkewClamp: Sendable, Hashable {
    /// How far ahead of the server a stamp may be before it is clamped, in milliseconds.
    public var maxSkewMs: Int64

    public init(maxSkewMs: Int64) { self.maxSkewMs = maxSkewMs }

    /// The default bound: 5 minutes.
    public static let `default` = ClockSkewClamp(maxSkewMs: 5 * 60 * 1000)

    /// The stamp to use, and whether it had to be clamped.
    public func clamp(_ stamp: HLCTimestamp, serverNow: Int64) -> (stamp: HLCTimestamp, clamped: Bool) {
        guard stamp.physical > serverNow + maxSkewMs else { return (stamp, false) }
        return (HLCTimestamp(physical: serverNow, logical: stamp.logical, node: stamp.node), true)
    }
}
