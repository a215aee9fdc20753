import Testing
import SyncModel
import FieldDomain

@Suite("FieldDomain: region codes, phones, GPS, timestamps, photos")
struct FieldDomainValidatorTests {
    @Test func regionCodesAreRecognisedByLevel() {
        #expect(RegionCode.isProvince("52"))
        #expect(RegionCode.isCity("5223"))
        #expect(RegionCode.isCounty("522327"))
        #expect(RegionCode.isTown("522327101"))
        #expect(RegionCode.isVillage("522327101201"))
        #expect(RegionCode.level(of: "522327101201") == .village)
    }

    @Test(arguments: ["", "5", "522", "5223270", "992327", "520027", "522300", "522327000201", "522327101000",
                      "52232710120", "52232710120a", "5223271012011"])
    func malformedRegionCodesAreRefused(_ code: String) {
        #expect(RegionCode.level(of: code) == nil)
        #expect(!RegionCode.isVillage(code) && !RegionCode.isCounty(code))
    }

    @Test func villageCodesYieldTheirTownAndCounty() {
        #expect(RegionCode.county(ofVillage: "522327101201") == "522327")
        #expect(RegionCode.town(ofVillage: "522327101201") == "522327101")
        #expect(RegionCode.county(ofVillage: "522327") == nil)
        #expect(RegionCode.parent(of: "522327101201") == "522327101")
        #expect(RegionCode.parent(of: "522327") == "5223")
        #expect(RegionCode.parent(of: "52") == nil)
    }

    @Test(arguments: ["13800138000", "19912345678", "0851-3221234", "010-12345678", "0859-6123456"])
    func validPhonesAreAccepted(_ phone: String) {
        #expect(PhoneNumber.validate(phone) == nil)
    }

    @Test(arguments: ["12800138000", "1380013800", "138001380001", "+8613800138000", "138 0013 8000", "0851-0221234",
                      "851-3221234", "0851-322123", "00851-3221234", "08513221234x", ""])
    func invalidPhonesAreRefused(_ phone: String) {
        #expect(PhoneNumber.validate(phone)?.code == .invalidPhone)
    }

    @Test func phoneMaskHidesTheMiddle() {
        #expect(PhoneNumber.masked("13800138000") == "138****8000")
    }

    @Test func gpsInChinaIsAccepted() {
        #expect(GeoPoint(latitude: 24.98, longitude: 105.81, accuracy: 12).validate() == nil)
        if case .failure = GeoPoint.parse(["lat": 24.98, "lon": 105.81]) { Issue.record("valid point refused") }
    }

    @Test func gpsOutsideRangeOrChinaIsRefused() {
        #expect(GeoPoint(latitude: 91, longitude: 105).validate()?.code == .invalidGPS)
        #expect(GeoPoint(latitude: 24, longitude: -181).validate()?.code == .invalidGPS)
        #expect(GeoPoint(latitude: 0, longitude: 0).validate()?.code == .invalidGPS)
        #expect(GeoPoint(latitude: 48.85, longitude: 2.35).validate()?.code == .invalidGPS)
        #expect(GeoPoint(latitude: 24.98, longitude: 105.81, accuracy: -1).validate()?.code == .outOfRange)
        #expect(GeoPoint(latitude: 24.98, longitude: 105.81, accuracy: 10_001).validate()?.code == .outOfRange)
    }

    @Test func gpsWithWrongShapeIsAnInvalidType() {
        for value: JSONValue in [["lat": "24.9", "lon": 105.8], ["lat": 24.9], ["lat": 24.9, "lon": 105.8, "alt": 3], [24.9, 105.8]] {
            guard case .failure(let violation) = GeoPoint.parse(value) else {
                Issue.record("accepted \(value)")
                continue
            }
            #expect(violation.code == .invalidType)
        }
    }

    @Test func timestampsWithOffsetParseToMilliseconds() {
        #expect(ISOTimestamp.parse("2026-01-01T00:00:00+08:00") == 1_767_196_800_000)
        #expect(ISOTimestamp.parse("2025-12-31T16:00:00Z") == 1_767_196_800_000)
        #expect(ISOTimestamp.parse("2026-11-20T09:30:00.250+08:00") == ISOTimestamp.parse("2026-11-20T01:30:00Z")! + 250)
        #expect(ISOTimestamp.parse("2024-02-29T12:00:00-05:30") != nil)
    }

    @Test(arguments: ["2026-11-20T09:30:00", "2026-11-20 09:30:00+08:00", "2026-11-20T09:30+08:00",
                      "2026-02-30T09:30:00+08:00", "2026-11-20T24:00:00Z", "2026-11-20T09:60:00Z",
                      "1999-12-31T23:59:59Z", "2026-11-20T09:30:00+0800", "2026-11-20T09:30:00z",
                      "2026-11-20T09:30:00.Z", "2026-11-20T09:30:00+08:00 ", ""])
    func malformedTimestampsAreRefused(_ text: String) {
        #expect(ISOTimestamp.validate(text)?.code == .invalidDate)
    }

    @Test func timestampsFormatBackInChinaTime() {
        #expect(ISOTimestamp.format(milliseconds: 1_767_196_800_000) == "2026-01-01T00:00:00+08:00")
        #expect(ISOTimestamp.format(milliseconds: 1_767_196_800_000, offsetMinutes: 0) == "2025-12-31T16:00:00+00:00")
    }

    @Test func photoRefsAreLowercaseSHA256Hex() {
        let digest = String(repeating: "0123456789abcdef", count: 4)
        #expect(PhotoRef.validate(digest) == nil)
        #expect(PhotoRef.validate(digest.uppercased())?.code == .invalidPhotoRef)
        #expect(PhotoRef.validate(String(digest.dropLast()))?.code == .invalidPhotoRef)
        #expect(PhotoRef.validate(String(digest.dropLast()) + "g")?.code == .invalidPhotoRef)
    }

    @Test func everyCodeHasAChineseDisplayName() {
        func check<C: DomainCode>(_: C.Type) {
            for value in C.allCases {
                #expect(!value.displayName.isEmpty)
                #expect(value.displayName.unicodeScalars.contains { $0.value > 0x2E80 }, "\(value.rawValue)")
            }
        }
        check(PovertyCause.self); check(SupportPolicy.self); check(HouseholdStatus.self)
        check(MonitoringCategory.self); check(MemberRelation.self); check(HealthStatus.self)
        check(LabourCapacity.self); check(SchoolingLevel.self); check(VisitKind.self)
        check(VisitSatisfaction.self); check(RegionLevel.self); check(Gender.self); check(IncomeItem.self)
        check(GuaranteeCheck.self)
        #expect(PovertyCause.illness.displayName == "因病")
        #expect(SupportPolicy.disabilitySubsidy.displayName == "残疾人两项补贴")
    }
}
