/// A hybrid-logical-clock stamp: physical milliseconds, a logical counter, and the writing node.
///
/// Stamps order every field write across devices. Two stamps compare by physical time, then by the logical
/// counter, then by node id, so the order is total and every replica picks the same winner. On the wire a
/// stamp is the string `"<physicalMs>-<logical>-<node>"`, e.g. `"1763800000000-0-dev-7f3a"`, with the
/// physical part zero-padded to 15 digits so that stamps also sort as strings.
public struct HLCTimestamp: Sendable, Hashable, Comparable {
    /// Milliseconds since 1970-01-01T00:00:00Z, as the writer's clock saw them.
    public var physical: Int64
    /// Counter that orders writes within one millisecond (and after a clock that went backwards).
    public var logical: UInt32
    /// The writer: a device id, or `server` for writes made by the server itself.
    public var node: String

    /// Makes a stamp.
    public init(physical: Int64, logical: UInt32, node: String) {
        self.physical = physical
        self.logical = logical
        self.node = node
    }

    /// The smallest stamp; every real write is newer.
    public static let zero = HLCTimestamp(physical: 0, logical: 0, node: "")

    public static func < (lhs: HLCTimestamp, rhs: HLCTimestamp) -> Bool {
        if lhs.physical != rhs.physical { return lhs.physical < rhs.physical }
        if lhs.logical != rhs.logical { return lhs.logical < rhs.logical }
        return lhs.node < rhs.node
    }

    /// The wire form `"<physical, 15 digits>-<logical>-<node>"`.
    public var wireValue: String {
        // Built byte by byte: stamps are formatted for every stored field, and interpolation showed up in
        // push profiles.
        var bytes = [UInt8](repeating: UInt8(ascii: "0"), count: 15)
        var value = physical
        var index = 14
        while value > 0 && index >= 0 {
            bytes[index] = UInt8(ascii: "0") + UInt8(value % 10)
            value /= 10
            index -= 1
        }
        if value > 0 { return "\(physical)-\(logical)-\(node)" }
        bytes.append(UInt8(ascii: "-"))
        bytes.append(contentsOf: String(logical).utf8)
        bytes.append(UInt8(ascii: "-"))
        bytes.append(contentsOf: node.utf8)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Parses the wire form; `nil` when it is not one.
    public init?(wireValue: String) {
        let parts = wireValue.split(separator: "-", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3,
            let physical = Int64(parts[0]), physical >= 0,
            let logical = UInt32(parts[1]),
            !parts[2].isEmpty, parts[2].utf8.count <= 64
        else { return nil }
        self.init(physical: physical, logical: logical, node: String(parts[2]))
    }
}

extension HLCTimestamp: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let raw = try container.decode(String.self)
        guard let stamp = HLCTimestamp(wireValue: raw) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an HLC stamp")
        }
        self = stamp
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(wireValue)
    }
}

extension HLCTimestamp: CustomStringConvertible {
    public var description: String { wireValue }
}
