/// The 18-character resident identity number (公民身份号码, GB 11643-1999).
///
/// Layout: 6-digit address code, 8-digit birth date `YYYYMMDD`, 3-digit sequence (odd 17th digit: male),
/// and a check character computed with ISO 7064 MOD 11-2 (`0`–`9` or `X`).
///
/// Only an uppercase `X` is accepted as the check character: a lowercase `x` is refused (as a format error)
/// so that one person has exactly one spelling and equality and hashing of stored numbers stay exact. Apps
/// should upper-case the input before sending it.
public enum IDNumber {
    /// Why a string is not a valid ID number. Each reason has its own message; all share the code
    /// `invalid_id_number`.
    public enum Failure: Sendable, Hashable, CaseIterable {
        /// Not 17 digits followed by a digit or `X`.
        case format
        /// The first two digits are not a province code.
        case province
        /// Digits 7–14 are not a calendar date from 1900-01-01 to 2099-12-31.
        case birthDate
        /// The check character does not match.
        case checksum

        /// The zh-CN message (with an English gloss); never contains the number.
        public var message: String {
            switch self {
            case .format: return "身份证号格式错误，应为17位数字加1位数字或大写X (ID number must be 17 digits plus a digit or uppercase X)"
            case .province: return "身份证号省份代码无效 (ID number has an unknown province code)"
            case .birthDate: return "身份证号出生日期无效 (ID number has an invalid birth date)"
            case .checksum: return "身份证号校验位错误 (ID number checksum failed)"
            }
        }
    }

    /// The MOD 11-2 weights of the first 17 digits.
    public static let weights: [Int] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]

    /// The check character indexed by the weighted sum modulo 11.
    static let checkCharacters: [Character] = Array("10X98765432")

    /// The first reason `number` is invalid, checked in the order format, province, birth date, checksum;
    /// `nil` when it is valid.
    public static func failure(_ number: String) -> Failure? {
        let bytes = Array(number.utf8)
        guard bytes.count == 18,
            bytes[0..<17].allSatisfy(isDigit),
            isDigit(bytes[17]) || bytes[17] == UInt8(ascii: "X")
        else { return .format }
        guard RegionCode.provinceCodes.contains(String(decoding: bytes[0..<2], as: UTF8.self)) else {
            return .province
        }
        let year = decimalValue(bytes[6..<10]), month = decimalValue(bytes[10..<12]), day = decimalValue(bytes[12..<14])
        guard (1900...2099).contains(year), CalendarDate.isValid(year: year, month: month, day: day) else {
            return .birthDate
        }
        guard checkCharacter(digits: bytes[0..<17]) == Character(UnicodeScalar(bytes[17])) else {
            return .checksum
        }
        return nil
    }

    /// Validates `number`; `nil` when valid, otherwise an `invalid_id_number` violation (with no field set;
    /// schemas attribute it).
    public static func validate(_ number: String) -> FieldViolation? {
        failure(number).map { FieldViolation(code: .invalidIdNumber, field: nil, message: $0.message) }
    }

    /// Whether `number` is a valid ID number.
    public static func isValid(_ number: String) -> Bool { failure(number) == nil }

    /// The check character for the first 17 digits.
    ///
    /// - Precondition: `first17` is exactly 17 ASCII digits.
    public static func checkCharacter(for first17: String) -> Character {
        let bytes = Array(first17.utf8)
        precondition(bytes.count == 17 && bytes.allSatisfy(isDigit), "checkCharacter needs 17 digits")
        return checkCharacter(digits: bytes[...])
    }

    /// Builds a valid ID number from a 6-digit region code, a birth date and a sequence number 0…999
    /// (the sequence's parity sets the gender: odd male, even female).
    ///
    /// - Precondition: `regionCode6` is 6 digits, the date is valid, `sequence` is in 0…999.
    public static func make(regionCode6: String, birth: (year: Int, month: Int, day: Int), sequence: Int) -> String {
        precondition(CalendarDate.isValid(year: birth.year, month: birth.month, day: birth.day), "birth date must be valid")
        precondition((0...9999).contains(birth.year) && (0...999).contains(sequence), "sequence must be 0...999")
        // Built as bytes: the synthetic county makes tens of thousands of these.
        var bytes = [UInt8]()
        bytes.reserveCapacity(18)
        for byte in regionCode6.utf8 {
            precondition(isDigit(byte), "region code must be 6 digits")
            bytes.append(byte)
        }
        precondition(bytes.count == 6, "region code must be 6 digits")
        func append(_ value: Int, digits: Int) {
            var divisor = 1
            for _ in 1..<digits { divisor *= 10 }
            while divisor > 0 {
                bytes.append(UInt8(0x30 + value / divisor % 10))
                divisor /= 10
            }
        }
        append(birth.year, digits: 4)
        append(birth.month, digits: 2)
        append(birth.day, digits: 2)
        append(sequence, digits: 3)
        bytes.append(checkCharacter(digits: bytes[...]).asciiValue!)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The gender encoded in a valid number's 17th digit; `nil` when `number` is not valid.
    public static func gender(_ number: String) -> Gender? {
        guard isValid(number) else { return nil }
        let digit = Array(number.utf8)[16] - 0x30
        return digit % 2 == 1 ? .male : .female
    }

    /// The birth date of a valid number; `nil` when `number` is not valid.
    public static func birthDate(_ number: String) -> (year: Int, month: Int, day: Int)? {
        guard isValid(number) else { return nil }
        let bytes = Array(number.utf8)
        return (decimalValue(bytes[6..<10]), decimalValue(bytes[10..<12]), decimalValue(bytes[12..<14]))
    }

    private static func checkCharacter(digits: ArraySlice<UInt8>) -> Character {
        var sum = 0
        var index = digits.startIndex
        for weight in weights {
            sum += weight * Int(digits[index] &- 0x30)
            index += 1
        }
        return checkCharacters[sum % 11]
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    private static func decimalValue(_ bytes: ArraySlice<UInt8>) -> Int {
        bytes.reduce(0) { $0 * 10 + Int($1 - 0x30) }
    }
}
