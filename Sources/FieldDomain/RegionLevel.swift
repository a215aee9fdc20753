/// A level of the administrative region tree, with the length of its statistical code.
///
/// Codes nest by prefix: province `52`, city `5223`, county `522327`, town `522327101`,
/// village `522327101201`.
public enum RegionLevel: String, DomainCode {
    case province, city, county, town, village

    /// The zh-CN name.
    public var displayName: String {
        switch self {
        case .province: return "省"
        case .city: return "市"
        case .county: return "县"
        case .town: return "乡镇"
        case .village: return "村"
        }
    }

    /// The number of digits of a code at this level.
    public var codeLength: Int {
        switch self {
        case .province: return 2
        case .city: return 4
        case .county: return 6
        case .town: return 9
        case .village: return 12
        }
    }

    /// The level above, `nil` for a province.
    public var parent: RegionLevel? {
        switch self {
        case .province: return nil
        case .city: return .province
        case .county: return .city
        case .town: return .county
        case .village: return .town
        }
    }
}
