/// Gender as encoded in the 17th digit of a resident ID number (odd: male, even: female).
public enum Gender: String, DomainCode {
    case male, female

    /// The zh-CN name.
    public var displayName: String {
        switch self {
        case .male: return "男"
        case .female: return "女"
        }
    }
}
