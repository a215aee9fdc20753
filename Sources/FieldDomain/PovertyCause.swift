/// A cause of poverty (致贫原因). A household lists one to four; the first is the main cause (主要致贫原因).
public enum PovertyCause: String, DomainCode {
    case illness, disability, education, disaster, lackLand, lackWater, lackSkills, lackLabour, lackFunds
    case poorTransport, lackMotivation

    /// The zh-CN name.
    public var displayName: String {
        switch self {
        case .illness: return "因病"
        case .disability: return "因残"
        case .education: return "因学"
        case .disaster: return "因灾"
        case .lackLand: return "缺土地"
        case .lackWater: return "缺水"
        case .lackSkills: return "缺技术"
        case .lackLabour: return "缺劳力"
        case .lackFunds: return "缺资金"
        case .poorTransport: return "交通条件落后"
        case .lackMotivation: return "自身发展动力不足"
        }
    }
}
