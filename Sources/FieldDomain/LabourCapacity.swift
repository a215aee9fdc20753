/// A member's capacity to work (劳动技能).
public enum LabourCapacity: String, DomainCode {
    case normal, skilled, weak, lost, none

    /// The zh-CN name.
    public var displayName: String {
        switch self {
        case .normal: return "普通劳动力"
        case .skilled: return "技能劳动力"
        case .weak: return "弱劳动力或半劳动力"
        case .lost: return "丧失劳动力"
        case .none: return "无劳动力"
        }
    }
}
