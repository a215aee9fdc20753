/// The position of a device in its view of the change log. Opaque on the wire:
/// `c2.<store epoch in base 36>.<position in base 36>`; the empty string is the start (a first bootstrap).
/// The epoch names the database that issued it, so a cursor from another database (a restore, a new
/// server) is recognised and answered `resync_required` instead of silently skipping changes. Cursors of
/// the earlier form `c1.<position>` are still read; they carry no epoch.
public struct SyncCursor: Sendable, Hashable, Comparable {
    /// Every change at a position above this one is still to be delivered.
    public var version: Int64
    /// The issuing store's epoch (nil for the start and for `c1` cursors).
    public var epoch: Int64?

    public init(version: Int64, epoch: Int64? = nil) {
        self.version = version
        self.epoch = epoch
    }

    /// The start of the log.
    public static let start = SyncCursor(version: 0)

    /// The opaque wire form.
    public var token: String {
        guard version != 0 else { return "" }
        guard let epoch else { return "c1." + String(version, radix: 36) }
        return "c2." + String(epoch, radix: 36) + "." + String(version, radix: 36)
    }

    /// Reads the wire form; `nil` when it was not issued by this protocol.
    public init?(token: String) {
        if token.isEmpty { self = .start; return }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        switch parts.first {
        case "c1" where parts.count == 2:
            guard let version = Int64(parts[1], radix: 36), version >= 0 else { return nil }
            self.init(version: version)
        case "c2" where parts.count == 3:
            guard let epoch = Int64(parts[1], radix: 36), epoch >= 0, let version = Int64(parts[2], radix: 36),
                version >= 0
            else { return nil }
            self.init(version: version, epoch: epoch)
        default:
            return nil
        }
    }

    public static func < (lhs: SyncCursor, rhs: SyncCursor) -> Bool { lhs.version < rhs.version }
}
