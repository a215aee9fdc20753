/// What a visit was to (走访类型).
public enum VisitKind: String, DomainCode {
    case household, village, project

    /// The zh-CN name.
    public var displayName: String {
        switch self {
        case .household: return "入户走访"
        case .village: return "入村走访"
        case .project: return "项目走访"
        }
    }
}
