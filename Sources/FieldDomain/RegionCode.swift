/// Administrative region codes (GB/T 2260 for province/city/county, plus the statistical town and village
/// segments): province 2 digits, city 4, county 6, town 9, village 12.
///
/// Rules checked: every code starts with a known province; the city segment is `01`–`99`; the county
/// segment is not `00`; the town and village segments are not `000`.
public enum RegionCode {
    /// The two-digit province codes in use (including 71 Taiwan, 81 Hong Kong, 82 Macao, which appear in ID
    /// numbers).
    public static let provinceCodes: Set<String> = {
        let ranges: [ClosedRange<Int>] = [11...15, 21...23, 31...37, 41...46, 50...54, 61...65, 71...71, 81...82]
        return Set(ranges.flatMap { $0 }.map { String($0) })
    }()

    /// Whether `code` is a known province code.
    public static func isProvince(_ code: String) -> Bool {
        code.utf8.count == 2 && provinceCodes.contains(code)
    }

    /// Whether `code` is a 4-digit city code.
    public static func isCity(_ code: String) -> Bool {
        level(of: code) == .city
    }

    /// Whether `code` is a 6-digit county code.
    public static func isCounty(_ code: String) -> Bool {
        level(of: code) == .county
    }

    /// Whether `code` is a 9-digit town code.
    public static func isTown(_ code: String) -> Bool {
        level(of: code) == .town
    }

    /// Whether `code` is a 12-digit village code.
    public static func isVillage(_ code: String) -> Bool {
        level(of: code) == .village
    }

    /// The level of a well-formed code; `nil` when `code` is not a valid code at any level.
    public static func level(of code: String) -> RegionLevel? {
        let digits = Array(code.utf8)
        guard digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        let level: RegionLevel
        switch digits.count {
        case 2: level = .province
        case 4: level = .city
        case 6: level = .county
        case 9: level = .town
        case 12: level = .village
        default: return nil
        }
        guard provinceCodes.contains(String(code.prefix(2))) else { return nil }
        func segmentIsZero(_ range: Range<Int>) -> Bool { digits[range].allSatisfy { $0 == 0x30 } }
        if digits.count >= 4, segmentIsZero(2..<4) { return nil }
        if digits.count >= 6, segmentIsZero(4..<6) { return nil }
        if digits.count >= 9, segmentIsZero(6..<9) { return nil }
        if digits.count >= 12, segmentIsZero(9..<12) { return nil }
        return level
    }

    /// The 6-digit county code of a village code; `nil` when `code` is not a village code.
    public static func county(ofVillage code: String) -> String? {
        isVillage(code) ? String(code.prefix(6)) : nil
    }

    /// The 9-digit town code of a village code; `nil` when `code` is not a village code.
    public static func town(ofVillage code: String) -> String? {
        isVillage(code) ? String(code.prefix(9)) : nil
    }

    /// The code of the region directly above `code` (e.g. the town of a village); `nil` for a province or an
    /// invalid code.
    public static func parent(of code: String) -> String? {
        guard let parentLevel = level(of: code)?.parent else { return nil }
        return String(code.prefix(parentLevel.codeLength))
    }
}
