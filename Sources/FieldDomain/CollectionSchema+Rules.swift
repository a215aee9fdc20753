import SyncModel

// Cross-field rules: what must hold of a whole record, beyond each field on its own.
extension CollectionSchema {
    func crossFieldViolation(_ fields: [String: JSONValue]) -> FieldViolation? {
        switch collection {
        case .households: return householdViolation(fields)
        case .visits: return visitViolation(fields)
        case .regions: return regionViolation(fields)
        case .members, .helpers, .assignments: return nil
        }
    }

    private func householdViolation(_ fields: [String: JSONValue]) -> FieldViolation? {
        let monitored = fields["status"]?.stringValue == HouseholdStatus.monitored.rawValue
        let hasCategory = !(fields["monitoringCategory"]?.isNull ?? true)
        if monitored && !hasCategory {
            return FieldViolation(
                code: .monitoringCategoryMismatch, field: "monitoringCategory",
                message: "监测对象须填写监测类别 (monitoringCategory is required when status is monitored)")
        }
        if !monitored && hasCategory {
            return FieldViolation(
                code: .monitoringCategoryMismatch, field: "monitoringCategory",
                message: "仅监测对象可填写监测类别 (monitoringCategory must be null unless status is monitored)")
        }
        if let number = fields["householdNo"]?.stringValue, let village = fields["villageCode"]?.stringValue,
            !number.hasPrefix(village)
        {
            return FieldViolation(
                code: .invalidRegionCode, field: "householdNo",
                message: "户编号与所属村代码不一致 (householdNo must begin with villageCode)")
        }
        return nil
    }

    private func visitViolation(_ fields: [String: JSONValue]) -> FieldViolation? {
        func present(_ name: String) -> Bool { !(fields[name]?.isNull ?? true) }
        func notApplicable(_ name: String, _ zh: String, _ en: String) -> FieldViolation {
            FieldViolation(code: .invalidType, field: name, message: "\(zh) (\(en))")
        }
        guard let kind = fields["kind"]?.stringValue.flatMap(VisitKind.init(rawValue:)) else { return nil }
        switch kind {
        case .household:
            if !present("householdId") { return .missing("householdId") }
            if present("projectName") {
                return notApplicable("projectName", "仅项目走访可填写项目名称", "projectName is only for project visits")
            }
        case .village:
            if !present("villageCode") { return .missing("villageCode") }
            if present("householdId") {
                return notApplicable("householdId", "仅入户走访可填写走访户", "householdId is only for household visits")
            }
            if present("projectName") {
                return notApplicable("projectName", "仅项目走访可填写项目名称", "projectName is only for project visits")
            }
        case .project:
            if !present("projectName") { return .missing("projectName") }
            if present("householdId") {
                return notApplicable("householdId", "仅入户走访可填写走访户", "householdId is only for household visits")
            }
        }
        return nil
    }

    private func regionViolation(_ fields: [String: JSONValue]) -> FieldViolation? {
        guard let code = fields["code"]?.stringValue,
            let level = fields["level"]?.stringValue.flatMap(RegionLevel.init(rawValue:))
        else { return nil }
        if RegionCode.level(of: code) != level {
            return FieldViolation(
                code: .invalidRegionCode, field: "code",
                message: "区划代码位数与级别不符 (code length does not match level)")
        }
        let parent = fields["parentCode"]?.stringValue
        if let parent, parent != RegionCode.parent(of: code) {
            return FieldViolation(
                code: .invalidRegionCode, field: "parentCode",
                message: "上级区划代码应为本代码的前缀 (parentCode must be the code of the level above)")
        }
        if parent == nil, level != .province {
            return .missing("parentCode")
        }
        return nil
    }
}
