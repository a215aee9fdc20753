/// Body of `POST /sync/integrity` (protocol/scopes.md §6): what the device holds, as one digest per
/// household and one for its household-less records.
public struct IntegrityRequest: Sendable, Hashable, Codable {
    /// `IntegrityDigest` of the records of each household the device holds, by household id.
    public var households: [String: String]
    /// `IntegrityDigest` of the records without a household (its helper profile, village visits, regions).
    public var other: String

    public init(households: [String: String], other: String) {
        self.households = households
        self.other = other
    }
}

/// Answer to `POST /sync/integrity`.
public struct IntegrityResponse: Sendable, Hashable, Codable {
    /// Households the device holds that are not in its scope: drop them locally (keep the outbox).
    public var purge: [String]
    /// Households in scope that the device lacks or holds differently: fetch them again.
    public var refetch: [String]
    /// Whether the household-less records match.
    public var otherMatches: Bool
    /// The head the server compared against.
    public var head: Int64

    public init(purge: [String], refetch: [String], otherMatches: Bool, head: Int64) {
        self.purge = purge
        self.refetch = refetch
        self.otherMatches = otherMatches
        self.head = head
    }

    /// Nothing to do.
    public var isConsistent: Bool { purge.isEmpty && refetch.isEmpty && otherMatches }
}

/// The digest both sides compute of a set of records: FNV-1a (64-bit, as 16 hex digits) over the sorted
/// lines `<collection>/<recordId>@<version>`. It detects divergence (a lost removal, a restored backup, a
/// missed page); it is not a security measure — the device is authenticated and reads only its scope.
public enum IntegrityDigest {
    /// One record's line.
    public static func line(collection: String, recordId: String, version: Int64) -> String {
        "\(collection)/\(recordId)@\(version)"
    }

    /// The digest of `lines` (order does not matter: they are sorted first).
    public static func digest(_ lines: [String]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for line in lines.sorted() {
            for byte in line.utf8 {
                hash ^= UInt64(byte)
                hash = hash &* 0x0000_0100_0000_01B3
            }
            hash ^= 0x0A
            hash = hash &* 0x0000_0100_0000_01B3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
