/// The 两不愁三保障 checks plus safe drinking water, kept as Boolean household fields.
public enum GuaranteeCheck: String, DomainCode {
    case foodSecure, clothingSecure, educationSecure, medicalSecure, housingSecure, drinkingWaterSecure

    /// The zh-CN name.
    public var displayName: String {
        switch self {
        case .foodSecure: return "不愁吃"
        case .clothingSecure: return "不愁穿"
        case .educationSecure: return "义务教育有保障"
        case .medicalSecure: return "基本医疗有保障"
        case .housingSecure: return "住房安全有保障"
        case .drinkingWaterSecure: return "饮水安全有保障"
        }
    }
}
