/// The position of a device in the change log. Opaque on the wire: `c1.<version in base 36>`; the empty
/// string is the start (a first bootstrap).
public struct SyncCursor: Sendable, Hashable, Comparable {
    /// Every change with a version above this one is still to be delivered.
    public var version: Int64

    public init(version: Int64) { self.version = version }

    /// The start of the log.
    public static let start = SyncCursor(version: 0)

    /// The opaque wire form.
    public var token: String { version == 0 ? "" : "c1." + String(version, radix: 36) }

    /// Reads the wire form; `nil` when it was not issued by this protocol.
    public init?(token: String) {
        if token.isEmpty { self = .start; return }
        guard token.hasPrefix("c1."), let version = Int64(token.dropFirst(3), radix: 36), version >= 0 else {
            return nil
        }
        self.version = version
    }

    public static func < (lhs: SyncCursor, rhs: SyncCursor) -> Bool { lhs.version < rhs.version }
}
