/// How satisfied the household said it was with the help (群众满意度), recorded in a visit's `checks`.
public enum VisitSatisfaction: String, DomainCode {
    case satisfied, basicallySatisfied, unsatisfied

    /// The zh-CN name.
    public var displayName: String {
        switch self {
        case .satisfied: return "满意"
        case .basicallySatisfied: return "基本满意"
        case .unsatisfied: return "不满意"
        }
    }
}
