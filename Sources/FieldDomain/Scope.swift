import SyncModel

/// Which records one principal may read and write, as plain data (DESIGN §3.5). `ScopeRules` computes it
/// in the pure core; storage adapters only evaluate it, and hold no rule of their own.
///
/// A record is in scope when
/// - its `householdId` is a key of `households`, or
/// - it has no `householdId` and its `helperId` is `owner` (a helper's own profile, village and project
///   visits), or
/// - its `villageCode` starts with one of `regionPrefixes` (an admin's region; `""` is everything).
///
/// Move-in and move-out (protocol/scopes.md §4): each household in scope carries the log position from which
/// it is in scope. A pull delivers a record at `max(record.position, since)`, so a household that moved in
/// after the device's cursor arrives whole, older history included, although its positions are below the
/// cursor. `departed` households left the scope at a log position; a pull whose cursor is below it
/// delivers explicit removals for their records.
public struct Scope: Sendable, Hashable {
    /// A household that left the scope.
    public struct Departure: Sendable, Hashable {
        /// The log position at which it left (removals are delivered at this position).
        public var position: Int64
        /// Server time (ms since 1970) from which the device's writes to it are refused: a write stamped
        /// earlier was made while the household was still the device's, and is applied.
        public var effectiveAt: Int64

        public init(position: Int64, effectiveAt: Int64) {
            self.position = position
            self.effectiveAt = effectiveAt
        }
    }

    /// Households in scope, each with the log position from which it is in scope.
    public var households: [String: Int64]
    /// Households that left the scope (and are not in `households`).
    public var departed: [String: Departure]
    /// The helper whose household-less records are in scope.
    public var owner: String?
    /// Region-code prefixes; `""` matches every record, including those without a region.
    public var regionPrefixes: [String]

    public init(households: [String: Int64] = [:], departed: [String: Departure] = [:], owner: String? = nil,
                regionPrefixes: [String] = []) {
        self.households = households
        self.departed = departed
        self.owner = owner
        self.regionPrefixes = regionPrefixes
    }

    /// Everything (the operator, admin tools and tests).
    public static let everything = Scope(regionPrefixes: [""])

    /// A scope of households that have always been in it (tests, benchmarks).
    public static func households(_ ids: some Sequence<String>, owner: String? = nil) -> Scope {
        Scope(households: Dictionary(ids.map { ($0, 0) }, uniquingKeysWith: max), owner: owner)
    }

    /// Whether the scope is everything.
    public var isEverything: Bool { regionPrefixes.contains("") }

    /// Whether a record with these scope keys is in scope.
    public func contains(_ record: RecordScope) -> Bool {
        if let household = record.householdId {
            if households[household] != nil { return true }
        } else if let owner, record.helperId == owner {
            return true
        }
        return inRegion(record.villageCode)
    }

    /// Whether `village` (a region code, possibly absent) lies in one of the region prefixes.
    public func inRegion(_ village: String?) -> Bool {
        for prefix in regionPrefixes {
            if prefix.isEmpty { return true }
            if let village, village.hasPrefix(prefix) { return true }
        }
        return false
    }

    /// Whether the device may write records of `household` (whose village is `village`, when known).
    public func mayWrite(household: String, village: String?) -> Bool {
        households[household] != nil || inRegion(village ?? Self.village(ofHousehold: household))
    }

    /// Whether the device may record a village or project visit in `village`: a village of one of its
    /// households, or one in its region.
    public func mayVisit(village: String) -> Bool {
        households.keys.contains { Self.village(ofHousehold: $0) == village } || inRegion(village)
    }

    /// Households that moved in after `cursor`: their records below `since` are delivered at `since`.
    public func movedIn(after cursor: Int64) -> [String: Int64] {
        households.filter { $0.value > cursor }
    }

    /// Households that left after `cursor`: their records are removed at the departure's position.
    public func movedOut(after cursor: Int64) -> [String: Departure] {
        departed.filter { $0.value.position > cursor }
    }

    /// The village a household id lies in (a 户编号 is the 12-digit village code plus 4 digits).
    public static func village(ofHousehold id: String) -> String? {
        id.utf8.count == 16 && id.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) ? String(id.prefix(12)) : nil
    }
}
