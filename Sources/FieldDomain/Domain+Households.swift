import SyncModel

extension Domain {
    /// Households (贫困户/监测户): edited by their helper's devices; created and numbered by admins.
    public static let households = CollectionSchema(collection: .households, fields: householdFields)

    private static var householdFields: [FieldSpec] {
        var fields: [FieldSpec] = [
            FieldSpec("householdNo", "户编号", .householdNo, .serverOnly, required: true),
            FieldSpec("villageCode", "所属村", .region(.village), .serverOnly, required: true),
            FieldSpec("headName", "户主姓名", .text(min: 1, max: 20), .lastWriterWins, required: true),
            FieldSpec("address", "住址", .text(min: 0, max: 100), .lastWriterWins),
            FieldSpec("phone", "联系电话", .phone, .lastWriterWins, personal: .phone),
            FieldSpec("causes", "致贫原因", .codeList(PovertyCause.codes, minItems: 1, maxItems: 4), .reviewed),
        ]
        fields += IncomeItem.allCases.map { FieldSpec($0.rawValue, $0.displayName, .money, .reviewed) }
        fields += GuaranteeCheck.allCases.map { FieldSpec($0.rawValue, $0.displayName, .boolean, .lastWriterWins) }
        fields += [
            FieldSpec("status", "帮扶状态", .code(HouseholdStatus.codes), .reviewed, required: true),
            FieldSpec("monitoringCategory", "监测对象类别", .code(MonitoringCategory.codes), .reviewed),
        ]
        fields += SupportPolicy.allCases.map {
            FieldSpec($0.fieldName, "享受政策：" + $0.displayName, .policyGrant, .elementSet)
        }
        return fields
    }
}
