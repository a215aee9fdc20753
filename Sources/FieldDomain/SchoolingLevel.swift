/// A member's schooling (文化程度 / 在校生状况).
public enum SchoolingLevel: String, DomainCode {
    case preschool, inSchool, primary, juniorHigh, seniorHigh, college, illiterate

    /// The zh-CN name.
    public var displayName: String {
        switch self {
        case .preschool: return "学前"
        case .inSchool: return "在校生"
        case .primary: return "小学"
        case .juniorHigh: return "初中"
        case .seniorHigh: return "高中"
        case .college: return "大专及以上"
        case .illiterate: return "文盲或半文盲"
        }
    }
}
