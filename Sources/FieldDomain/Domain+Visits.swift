import SyncModel

extension Domain {
    /// Visits (走访记录): append-only evidence. Every field is written once at creation; a correction is a
    /// new visit whose `amends` names the original. `helperId` and `deviceId` are filled by the server from
    /// the authenticated device.
    public static let visits = CollectionSchema(collection: .visits, fields: [
        FieldSpec("kind", "走访类型", .code(VisitKind.codes), .immutable, required: true),
        FieldSpec("householdId", "走访户", .recordRef, .immutable),
        FieldSpec("villageCode", "走访村", .region(.village), .immutable),
        FieldSpec("projectName", "项目名称", .text(min: 1, max: 50), .immutable),
        FieldSpec("visitedAt", "走访时间", .timestamp, .immutable, required: true),
        FieldSpec("gps", "定位", .gps, .immutable),
        FieldSpec("notes", "走访记录", .text(min: 0, max: 2000), .immutable),
        FieldSpec("problems", "存在问题", .textList(maxItems: 20, maxLength: 200), .immutable),
        FieldSpec("measures", "帮扶措施", .textList(maxItems: 20, maxLength: 200), .immutable),
        FieldSpec("checks", "核查情况", .visitChecks, .immutable),
        FieldSpec("photos", "照片", .photoList(maxItems: 20), .immutable),
        FieldSpec("amends", "更正的走访", .recordRef, .immutable),
        FieldSpec("signature", "设备签名", .deviceSignature, .immutable),
        FieldSpec("helperId", "帮扶责任人", .recordRef, .serverOnly),
        FieldSpec("deviceId", "记录设备", .recordRef, .serverOnly),
    ])
}
