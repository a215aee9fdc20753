import Foundation
import Testing
import SyncModel
import FieldDomain

@Suite("FieldDomain: collection schemas and merge policies")
struct FieldDomainSchemaTests {
    let households = Domain.schema(for: .households)
    let members = Domain.schema(for: .members)
    let visits = Domain.schema(for: .visits)

    static let idNumber: JSONValue = "11010519491231002X"

    static let householdVisit: [String: JSONValue] = [
        "kind": "household", "householdId": "5223271012010001", "visitedAt": "2026-11-20T09:30:00+08:00",
        "gps": ["lat": 24.98, "lon": 105.81, "accuracy": 15], "notes": "了解务工情况",
        "problems": ["产业缺资金"], "measures": ["申请小额信贷"],
        "checks": ["policyDelivered": true, "incomeVerified": true, "satisfaction": "satisfied"],
        "photos": [.string(String(repeating: "ab", count: 32))],
    ]

    @Test func deviceMayEditOrdinaryReviewedAndPolicyFields() {
        let fields: [String: JSONValue] = [
            "headName": "王国华", "phone": "13800138000", "causes": ["illness", "lackSkills"], "incomeWage": 12000.5,
            "foodSecure": true, "status": "lifted", "monitoringCategory": nil,
            "policies.dibao": ["amount": 3600, "note": "2025年度"], "policies.medicalAid": nil,
        ]
        #expect(households.validate(op: .set, fields: fields) == nil)
    }

    @Test func mergePoliciesFollowTheCatalogue() {
        #expect(households.mergePolicy(for: "headName") == .lastWriterWins)
        #expect(households.mergePolicy(for: "status") == .reviewed)
        #expect(households.mergePolicy(for: "incomeTransfer") == .reviewed)
        #expect(households.mergePolicy(for: "causes") == .reviewed)
        #expect(households.mergePolicy(for: "monitoringCategory") == .reviewed)
        #expect(households.mergePolicy(for: "policies.dibao") == .elementSet)
        #expect(households.mergePolicy(for: "villageCode") == .serverOnly)
        #expect(households.mergePolicy(for: "someNewField") == .lastWriterWins)
        #expect(members.mergePolicy(for: "householdId") == .immutable)
        #expect(members.mergePolicy(for: "idNumber") == .reviewed)
        #expect(visits.mergePolicy(for: "notes") == .immutable)
        #expect(visits.mergePolicy(for: "helperId") == .serverOnly)
        #expect(Domain.schema(for: .regions).mergePolicy(for: "name") == .serverOnly)
    }

    @Test func deviceCannotWriteServerOnlyFieldsButAdminCan() {
        let violation = households.validate(op: .set, fields: ["villageCode": "522327101201"])
        #expect(violation?.code == .readOnlyField)
        #expect(violation?.field == "villageCode")
        #expect(households.validateAdmin(op: .set, fields: ["villageCode": "522327101201"]) == nil)
        #expect(Domain.schema(for: .helpers).validate(op: .set, fields: ["unit": "县教育局"])?.code == .readOnlyField)
        #expect(Domain.schema(for: .helpers).validate(op: .set, fields: ["anything": 1])?.code == .readOnlyField)
    }

    @Test func memberHouseholdIsWrittenOnceOnly() {
        let create: [String: JSONValue] = ["householdId": "5223271012010001", "name": "王芳", "relation": "spouse",
                                           "idNumber": Self.idNumber]
        #expect(members.validate(op: .create, fields: create) == nil)
        let violation = members.validate(op: .set, fields: ["householdId": "5223271012010002"])
        #expect(violation?.code == .readOnlyField)
        #expect(violation?.field == "householdId")
    }

    @Test func visitsAreAppendOnly() {
        #expect(visits.validate(op: .create, fields: Self.householdVisit) == nil)
        #expect(visits.validate(op: .set, fields: ["notes": "改"])?.code == .readOnlyField)
        var withHelper = Self.householdVisit
        withHelper["helperId"] = "hp52232700001"
        #expect(visits.validate(op: .create, fields: withHelper)?.code == .readOnlyField)
        #expect(visits.validateAdmin(op: .create, fields: withHelper) == nil)
        var amendment = Self.householdVisit
        amendment["amends"] = "0f8c2a9e-visit"
        #expect(visits.validate(op: .create, fields: amendment) == nil)
    }

    @Test func createRequiresTheRequiredFields() {
        let violation = members.validate(op: .create, fields: ["householdId": "5223271012010001", "name": "王芳"])
        #expect(violation?.code == .requiredField)
        #expect(violation?.field == "relation")
        #expect(members.validate(op: .set, fields: ["name": nil])?.code == .requiredField)
        #expect(members.validate(op: .set, fields: ["name": ""])?.code == .requiredField)
    }

    @Test func valuesAreCheckedByType() {
        func code(_ schema: CollectionSchema, _ field: String, _ value: JSONValue) -> ErrorCode? {
            schema.validate(op: .set, fields: [field: value])?.code
        }
        #expect(code(members, "relation", "cousin") == .invalidEnum)
        #expect(code(members, "relation", 1) == .invalidType)
        #expect(code(members, "idNumber", "110105194912310021") == .invalidIdNumber)
        #expect(code(members, "migrantWorker", "yes") == .invalidType)
        #expect(code(members, "name", .string(String(repeating: "王", count: 21))) == .tooLong)
        #expect(code(members, "name", .string(String(repeating: "王", count: 20))) == nil)
        #expect(code(households, "phone", "12345") == .invalidPhone)
        #expect(code(households, "causes", ["illness", "illness"]) == .invalidEnum)
        #expect(code(households, "causes", []) == .tooLong)
        #expect(code(households, "causes", ["illness", "disability", "education", "disaster", "lackLand"]) == .tooLong)
        #expect(code(households, "causes", ["flood"]) == .invalidEnum)
        #expect(code(households, "incomeWage", -1) == .outOfRange)
        #expect(code(households, "incomeWage", 10_000_001) == .outOfRange)
        #expect(code(households, "incomeWage", 1.005) == .outOfRange)
        #expect(code(households, "incomeWage", 1234.56) == nil)
        #expect(code(households, "incomeWage", "1200") == .invalidType)
        #expect(code(households, "status", "rich") == .invalidEnum)
    }

    @Test func policyElementsAreAmountObjectsOrNull() {
        func code(_ field: String, _ value: JSONValue) -> ErrorCode? {
            households.validate(op: .set, fields: [field: value])?.code
        }
        #expect(code("policies.tekun", ["amount": 7200]) == nil)
        #expect(code("policies.tekun", nil) == nil)
        #expect(code("policies.tekun", ["note": "无金额"]) == .requiredField)
        #expect(code("policies.tekun", ["amount": -5]) == .outOfRange)
        #expect(code("policies.tekun", ["amount": 5, "bank": "x"]) == .invalidType)
        #expect(code("policies.tekun", ["amount": 5, "note": .string(String(repeating: "注", count: 101))]) == .tooLong)
        #expect(code("policies.tekun", 7200) == .invalidType)
        #expect(code("policies.lottery", ["amount": 5]) == .invalidEnum)
        #expect(members.validate(op: .set, fields: ["policies.dibao": ["amount": 5]])?.code == .invalidType)
    }

    @Test func extensionFieldsArePreservedWithinLimits() {
        #expect(households.validate(op: .set, fields: ["solarPanel": ["kw": 3]]) == nil)
        #expect(members.validate(op: .set, fields: ["wechatBound_2": true]) == nil)
        for name in ["SolarPanel", "solar-panel", "solar.panel", "_x", "1x", "", String(repeating: "a", count: 65)] {
            let violation = households.validate(op: .set, fields: [name: 1])
            #expect(violation?.code == .invalidType, "\(name)")
        }
        let big = JSONValue.string(String(repeating: "a", count: 4100))
        #expect(households.validate(op: .set, fields: ["blob": big])?.code == .tooLong)
    }

    @Test func recordsAreLimitedTo200Fields() {
        var fields: [String: JSONValue] = [:]
        for index in 0..<201 { fields["x\(index)"] = 1 }
        #expect(households.validate(op: .set, fields: fields)?.code == .recordTooLarge)
        #expect(households.validateRecord(fields)?.code == .recordTooLarge)
        fields["x0"] = nil
        #expect(households.validate(op: .set, fields: fields) == nil)
    }

    @Test func firstViolationIsTheOneOfTheSmallestFieldName() {
        let fields: [String: JSONValue] = ["relation": "cousin", "health": "bad", "name": 1]
        for _ in 0..<20 { #expect(members.validate(op: .set, fields: fields)?.field == "health") }
    }

    @Test func monitoringCategoryIsSetExactlyWhenMonitored() {
        var record: [String: JSONValue] = [
            "householdNo": "5223271012010001", "villageCode": "522327101201", "headName": "王国华", "status": "monitored",
        ]
        #expect(households.validateRecord(record)?.code == .monitoringCategoryMismatch)
        record["monitoringCategory"] = "marginal"
        #expect(households.validateRecord(record) == nil)
        record["status"] = "lifted"
        #expect(households.validateRecord(record)?.code == .monitoringCategoryMismatch)
        record["monitoringCategory"] = nil
        #expect(households.validateRecord(record) == nil)
        record["householdNo"] = "5223271012020001"
        #expect(households.validateRecord(record)?.code == .invalidRegionCode)
    }

    @Test func visitFieldsMustMatchTheKind() {
        var visit = Self.householdVisit
        visit["householdId"] = nil
        #expect(visits.validate(op: .create, fields: visit)?.field == "householdId")
        #expect(visits.validateRecord(visit)?.code == .requiredField)
        let village: [String: JSONValue] = ["kind": "village", "villageCode": "522327101201", "visitedAt": "2026-11-20T09:30:00Z"]
        #expect(visits.validate(op: .create, fields: village) == nil)
        var villageWithHousehold = village
        villageWithHousehold["householdId"] = "5223271012010001"
        #expect(visits.validate(op: .create, fields: villageWithHousehold)?.field == "householdId")
        var villageWithoutCode = village
        villageWithoutCode["villageCode"] = nil
        #expect(visits.validate(op: .create, fields: villageWithoutCode)?.code == .requiredField)
        let project: [String: JSONValue] = ["kind": "project", "visitedAt": "2026-11-20T09:30:00Z"]
        #expect(visits.validate(op: .create, fields: project)?.field == "projectName")
        var named = project
        named["projectName"] = "茶叶种植基地"
        #expect(visits.validate(op: .create, fields: named) == nil)
    }

    @Test func visitChecksAndMediaAreChecked() {
        func code(_ field: String, _ value: JSONValue) -> ErrorCode? {
            var visit = Self.householdVisit
            visit[field] = value
            return visits.validate(op: .create, fields: visit)?.code
        }
        #expect(code("checks", ["satisfaction": "delighted"]) == .invalidEnum)
        #expect(code("checks", ["policyDelivered": "yes"]) == .invalidType)
        #expect(code("checks", ["rating": 5]) == .invalidType)
        #expect(code("photos", ["ABC"]) == .invalidPhotoRef)
        #expect(code("photos", .array(Array(repeating: .string(String(repeating: "a", count: 64)), count: 21))) == .tooLong)
        #expect(code("problems", .array(Array(repeating: "问题", count: 21))) == .tooLong)
        #expect(code("measures", [.string(String(repeating: "措", count: 201))]) == .tooLong)
        #expect(code("notes", .string(String(repeating: "记", count: 2001))) == .tooLong)
        #expect(code("visitedAt", "2026-11-20T09:30:00") == .invalidDate)
        #expect(code("gps", ["lat": 0, "lon": 0]) == .invalidGPS)
        #expect(code("villageCode", "522327") == .invalidRegionCode)
    }

    @Test func messagesNeverEchoTheValue() {
        let cases: [(CollectionSchema, String, JSONValue)] = [
            (members, "idNumber", "110105194912310021"), (households, "phone", "1380013800"),
            (members, "name", .string(String(repeating: "张", count: 25))), (members, "relation", "秘密关系"),
        ]
        for (schema, field, value) in cases {
            let message = schema.validate(op: .set, fields: [field: value])?.message ?? ""
            #expect(!message.isEmpty)
            #expect(!message.contains(value.stringValue!))
        }
    }

    @Test func scopesComeFromIdsAndFields() {
        #expect(households.scope(recordId: "5223271012010001", fields: ["villageCode": "522327101201"])
            == RecordScope(householdId: "5223271012010001", villageCode: "522327101201"))
        #expect(members.scope(recordId: "5223271012010001-01", fields: ["householdId": "5223271012010001"])
            == RecordScope(householdId: "5223271012010001", villageCode: "522327101201"))
        #expect(visits.scope(recordId: "v1", fields: ["householdId": "h", "villageCode": "522327101201", "helperId": "hp"])
            == RecordScope(householdId: "h", villageCode: "522327101201", helperId: "hp"))
        #expect(Domain.schema(for: .helpers).scope(recordId: "hp52232700001", fields: ["countyCode": "522327"])
            == RecordScope(helperId: "hp52232700001"))
        #expect(Domain.schema(for: .assignments).scope(recordId: "a", fields: ["householdId": "h", "helperId": "hp"])
            == RecordScope(householdId: "h", helperId: "hp"))
        #expect(Domain.schema(for: .assignments).scope(
            recordId: "a", fields: ["householdId": "5223271012010001", "helperId": "hp"])
            == RecordScope(householdId: "5223271012010001", villageCode: "522327101201", helperId: "hp"))
        #expect(Domain.schema(for: .regions).scope(recordId: "522327101201", fields: ["code": "522327101201"])
            == RecordScope(villageCode: "522327101201"))
        #expect(Domain.schema(for: .regions).scope(recordId: "522327101", fields: ["code": "522327101"]) == RecordScope())
    }

    @Test func regionRecordsNestByCode() {
        let regions = Domain.schema(for: .regions)
        let village: [String: JSONValue] = ["code": "522327101201", "name": "者楼村", "level": "village", "parentCode": "522327101"]
        #expect(regions.validateAdmin(op: .create, fields: village) == nil)
        var wrongParent = village
        wrongParent["parentCode"] = "522327102"
        #expect(regions.validateAdmin(op: .create, fields: wrongParent)?.field == "parentCode")
        var wrongLevel = village
        wrongLevel["level"] = "town"
        #expect(regions.validateAdmin(op: .create, fields: wrongLevel)?.field == "code")
    }

    @Test func protocolDocumentListsEveryFieldAndCode() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("protocol/domain.md"), encoding: .utf8)
        for schema in Domain.allSchemas {
            #expect(text.contains("## `\(schema.collection.rawValue)`"), "\(schema.collection)")
            for field in schema.fields where !field.name.hasPrefix(SupportPolicy.fieldPrefix) {
                #expect(text.contains("`\(field.name)`"), "\(schema.collection).\(field.name)")
            }
        }
        func check<C: DomainCode>(_: C.Type) {
            for value in C.allCases {
                #expect(text.contains("`\(value.rawValue)` \(value.displayName)"), "\(value.rawValue)")
            }
        }
        check(PovertyCause.self); check(SupportPolicy.self); check(HouseholdStatus.self)
        check(MonitoringCategory.self); check(MemberRelation.self); check(HealthStatus.self)
        check(LabourCapacity.self); check(SchoolingLevel.self); check(VisitKind.self)
        check(VisitSatisfaction.self); check(RegionLevel.self)
    }
}
