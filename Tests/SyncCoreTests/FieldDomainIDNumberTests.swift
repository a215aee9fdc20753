import Testing
import FieldDomain

@Suite("FieldDomain: ID numbers (GB 11643)")
struct FieldDomainIDNumberTests {
    // 11010519491231002X checked by hand: Σ(digit × weight) = 167, 167 mod 11 = 2 → "10X98765432"[2] = X.
    // The others come from an independent Python implementation of the same algorithm.
    static let valid = [
        "11010519491231002X", "440304199001010011", "522327198506151233", "310115200002290048",
        "110101200012310019", "522327196601010237", "52232719800304003X",
    ]

    @Test(arguments: valid)
    func acceptsKnownGoodNumbers(_ number: String) {
        #expect(IDNumber.validate(number) == nil)
        #expect(IDNumber.isValid(number))
    }

    @Test func checksumAcceptsTrailingX() {
        #expect(IDNumber.checkCharacter(for: "11010519491231002") == "X")
        #expect(IDNumber.failure("11010519491231002X") == nil)
    }

    @Test func wrongCheckCharacterIsAChecksumFailure() {
        #expect(IDNumber.failure("110105194912310021") == .checksum)
        #expect(IDNumber.failure("440304199001010012") == .checksum)
        let violation = IDNumber.validate("110105194912310021")
        #expect(violation?.code == .invalidIdNumber)
        #expect(violation?.message.hasPrefix("身份证号校验位错误") == true)
    }

    @Test func lowercaseXIsRefused() {
        #expect(IDNumber.failure("11010519491231002x") == .format)
    }

    @Test(arguments: ["", "1101051949123100", "11010519491231002XX", "1101051949123100A2", "11010519491231 02X",
                      "X10105194912310021", "１１０１０５１９４９１２３１００２X"])
    func malformedNumbersAreFormatFailures(_ number: String) {
        #expect(IDNumber.failure(number) == .format)
    }

    @Test func impossibleBirthDatesAreRefused() {
        // Feb 30, 1900-02-29 (1900 is not a leap year), month 13, day 00, years outside 1900–2099.
        for first17 in ["11010519490230002", "11010519000229002", "11010519491301002", "11010519491200002",
                        "11010518991231002", "11010521000101002"] {
            let number = first17 + String(IDNumber.checkCharacter(for: first17))
            #expect(IDNumber.failure(number) == .birthDate, "\(first17)")
        }
    }

    @Test func leapDayOf2000IsAccepted() {
        let first17 = "31011520000229004"
        #expect(IDNumber.failure(first17 + String(IDNumber.checkCharacter(for: first17))) == nil)
    }

    @Test func unknownProvinceIsRefused() {
        for prefix in ["00", "10", "16", "20", "38", "55", "66", "72", "83", "99"] {
            let first17 = prefix + "010519491231002"
            let number = first17 + String(IDNumber.checkCharacter(for: first17))
            #expect(IDNumber.failure(number) == .province, "\(prefix)")
        }
    }

    @Test func everyFailureHasItsOwnMessageWithoutTheNumber() {
        let messages = Set(IDNumber.Failure.allCases.map(\.message))
        #expect(messages.count == IDNumber.Failure.allCases.count)
        for message in messages { #expect(!message.contains("1101")) }
    }

    @Test func makeBuildsValidNumbersWithTheGenderDigit() {
        let male = IDNumber.make(regionCode6: "522327", birth: (1985, 6, 15), sequence: 123)
        #expect(male == "522327198506151233")
        #expect(IDNumber.gender(male) == .male)
        let female = IDNumber.make(regionCode6: "522327", birth: (2000, 2, 29), sequence: 4)
        #expect(IDNumber.isValid(female))
        #expect(IDNumber.gender(female) == .female)
        #expect(IDNumber.birthDate(female).map { [$0.year, $0.month, $0.day] } == [2000, 2, 29])
    }

    @Test func genderIsNilForInvalidNumbers() {
        #expect(IDNumber.gender("110105194912310021") == nil)
        #expect(IDNumber.gender("11010519491231002X") == .female)
    }

    @Test func maskingKeepsTheCatalogueCharactersOnly() {
        #expect(PersonalData.idNumber.mask("11010519491231002X") == "1101**********002X")
        #expect(PersonalData.idNumber.mask("123") == "***")
        #expect(PersonalData.phone.mask("13912345678") == "139****5678")
    }
}
