/// The household income and cost fields, in yuan per year (reviewed fields).
///
/// Net income = wage + business + property + transfer − production cost (see `HouseholdSummary`).
public enum IncomeItem: String, DomainCode {
    case incomeWage, incomeBusiness, incomeProperty, incomeTransfer, productionCost

    /// The zh-CN name.
    public var displayName: String {
        switch self {
        case .incomeWage: return "工资性收入"
        case .incomeBusiness: return "经营性收入"
        case .incomeProperty: return "财产性收入"
        case .incomeTransfer: return "转移性收入"
        case .productionCost: return "生产经营性支出"
        }
    }

    /// Whether the item is subtracted from income rather than added.
    public var isCost: Bool { self == .productionCost }
}
