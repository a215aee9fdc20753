/// A support policy a household enjoys (享受政策). Stored per element as the field `policies.<code>` so that
/// concurrent additions and removals of different policies merge as a set.
public enum SupportPolicy: String, DomainCode {
    case dibao, tekun, medicalAid, educationAid, housingRenovation, industrySubsidy, publicWelfareJob
    case microcredit, disabilitySubsidy, pensionSubsidy, ecoCompensation, employmentSubsidy

    /// The zh-CN name.
    public var displayName: String {
        switch self {
        case .dibao: return "低保"
        case .tekun: return "特困供养"
        case .medicalAid: return "医疗救助"
        case .educationAid: return "教育资助"
        case .housingRenovation: return "危房改造"
        case .industrySubsidy: return "产业奖补"
        case .publicWelfareJob: return "公益岗位"
        case .microcredit: return "小额信贷"
        case .disabilitySubsidy: return "残疾人两项补贴"
        case .pensionSubsidy: return "养老保险代缴"
        case .ecoCompensation: return "生态补偿"
        case .employmentSubsidy: return "就业补贴"
        }
    }

    /// The household field that holds this policy, e.g. `policies.dibao`.
    public var fieldName: String { SupportPolicy.fieldPrefix + rawValue }

    /// The prefix of every policy field.
    public static let fieldPrefix = "policies."

    /// The policy a field name such as `policies.dibao` stands for; `nil` for other names.
    public init?(fieldName: String) {
        guard fieldName.hasPrefix(SupportPolicy.fieldPrefix) else { return nil }
        self.init(rawValue: String(fieldName.dropFirst(SupportPolicy.fieldPrefix.count)))
    }
}
