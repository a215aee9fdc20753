/// Where a household stands (户类型 / 帮扶状态).
public enum HouseholdStatus: String, DomainCode {
    case notLifted, lifted, monitored

    /// The zh-CN name.
    public var displayName: String {
        switch self {
        case .notLifted: return "未脱贫"
        case .lifted: return "已脱贫"
        case .monitored: return "监测对象"
        }
    }
}
