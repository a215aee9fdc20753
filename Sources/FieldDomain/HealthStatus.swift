/// A member's health (健康状况).
public enum HealthStatus: String, DomainCode {
    case healthy, chronic, serious, disabled

    /// The zh-CN name.
    public var displayName: String {
        switch self {
        case .healthy: return "健康"
        case .chronic: return "长期慢性病"
        case .serious: return "患有大病"
        case .disabled: return "残疾"
        }
    }
}
