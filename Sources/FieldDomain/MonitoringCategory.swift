/// Why a monitored household is monitored (监测对象类别). Set exactly when the status is `monitored`.
public enum MonitoringCategory: String, DomainCode {
    case unstable, marginal, suddenHardship

    /// The zh-CN name.
    public var displayName: String {
        switch self {
        case .unstable: return "脱贫不稳定户"
        case .marginal: return "边缘易致贫户"
        case .suddenHardship: return "突发严重困难户"
        }
    }
}
