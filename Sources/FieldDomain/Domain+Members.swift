import SyncModel

extension Domain {
    /// Household members (家庭成员): created and edited by devices; a member never moves household.
    public static let members = CollectionSchema(collection: .members, fields: [
        FieldSpec("householdId", "所属户", .recordRef, .immutable, required: true),
        FieldSpec("name", "姓名", .text(min: 1, max: 20), .lastWriterWins, required: true),
        FieldSpec("relation", "与户主关系", .code(MemberRelation.codes), .lastWriterWins, required: true),
        FieldSpec("idNumber", "身份证号", .idNumber, .reviewed, personal: .idNumber),
        FieldSpec("health", "健康状况", .code(HealthStatus.codes), .lastWriterWins),
        FieldSpec("labour", "劳动技能", .code(LabourCapacity.codes), .lastWriterWins),
        FieldSpec("schooling", "文化程度", .code(SchoolingLevel.codes), .lastWriterWins),
        FieldSpec("migrantWorker", "外出务工", .boolean, .lastWriterWins),
    ])
}
