import SyncModel

// Server-owned collections: written by admins only (DESIGN §3.8), read by devices within scope.
extension Domain {
    /// Helpers (帮扶责任人).
    public static let helpers = CollectionSchema(collection: .helpers, fields: [
        FieldSpec("name", "姓名", .text(min: 1, max: 20), .serverOnly, required: true),
        FieldSpec("unit", "工作单位", .text(min: 0, max: 50), .serverOnly),
        FieldSpec("phone", "联系电话", .phone, .serverOnly, personal: .phone),
        FieldSpec("countyCode", "所属县", .region(.county), .serverOnly, required: true),
    ])

    /// Assignments (结对帮扶): which helper looks after which household, and since when. An assignment
    /// that ends becomes a tombstone (kept until compaction): its household leaves the helper's scope
    /// (protocol/scopes.md); assigning the pair again brings the record back at a new version.
    public static let assignments = CollectionSchema(collection: .assignments, fields: [
        FieldSpec("helperId", "帮扶责任人", .recordRef, .serverOnly, required: true),
        FieldSpec("householdId", "帮扶户", .recordRef, .serverOnly, required: true),
        FieldSpec("startedAt", "开始帮扶时间", .timestamp, .serverOnly),
    ])

    /// Regions (行政区划): the tree of province, city, county, town and village.
    public static let regions = CollectionSchema(collection: .regions, fields: [
        FieldSpec("code", "区划代码", .anyRegion, .serverOnly, required: true),
        FieldSpec("name", "名称", .text(min: 1, max: 50), .serverOnly, required: true),
        FieldSpec("level", "级别", .code(RegionLevel.codes), .serverOnly, required: true),
        FieldSpec("parentCode", "上级区划代码", .anyRegion, .serverOnly),
    ])
}
