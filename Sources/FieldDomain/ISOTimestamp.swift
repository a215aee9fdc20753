/// ISO 8601 timestamps with an explicit offset, as visits record them: `2026-11-20T09:30:00+08:00`,
/// `2026-11-20T01:30:00Z`, optionally with fractional seconds (`…:00.250+08:00`).
///
/// A hand parser rather than `ISO8601DateFormatter`: it holds no shared state (safe on any thread), accepts
/// exactly this profile, and returns integer milliseconds, the unit of HLC stamps. Years 2000–2099 only: an
/// earlier or later visit is a wrong device clock.
public enum ISOTimestamp {
    /// The accepted years.
    public static let years: ClosedRange<Int> = 2000...2099

    /// Milliseconds since 1970-01-01T00:00:00Z; `nil` when `text` is not in the accepted profile or names
    /// an impossible date or time.
    public static func parse(_ text: String) -> Int64? {
        let b = Array(text.utf8)
        var i = 0
        func digits(_ count: Int) -> Int? {
            guard i + count <= b.count else { return nil }
            var value = 0
            for k in i..<(i + count) {
                guard b[k] >= 0x30 && b[k] <= 0x39 else { return nil }
                value = value * 10 + Int(b[k] - 0x30)
            }
            i += count
            return value
        }
        func expect(_ ascii: Unicode.Scalar) -> Bool {
            guard i < b.count, b[i] == UInt8(ascii: ascii) else { return false }
            i += 1
            return true
        }
        guard let year = digits(4), expect("-"), let month = digits(2), expect("-"), let day = digits(2),
            expect("T"), let hour = digits(2), expect(":"), let minute = digits(2), expect(":"),
            let second = digits(2)
        else { return nil }
        var millis = 0
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            let start = i
            while i < b.count, b[i] >= 0x30 && b[i] <= 0x39 { i += 1 }
            let fraction = b[start..<i]
            guard (1...9).contains(fraction.count) else { return nil }
            for (k, byte) in fraction.prefix(3).enumerated() {
                millis += Int(byte - 0x30) * [100, 10, 1][k]
            }
        }
        var offsetMinutes = 0
        if expect("Z") {
            offsetMinutes = 0
        } else if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
            let sign = b[i] == UInt8(ascii: "-") ? -1 : 1
            i += 1
            guard let offsetHours = digits(2), expect(":"), let offsetMins = digits(2),
                offsetHours <= 14, offsetMins <= 59
            else { return nil }
            offsetMinutes = sign * (offsetHours * 60 + offsetMins)
        } else {
            return nil
        }
        guard i == b.count, years.contains(year), CalendarDate.isValid(year: year, month: month, day: day),
            hour <= 23, minute <= 59, second <= 59
        else { return nil }
        let days = CalendarDate.daysSinceEpoch(year: year, month: month, day: day)
        let seconds = ((days * 24 + hour) * 60 + minute) * 60 + second - offsetMinutes * 60
        return Int64(seconds) * 1000 + Int64(millis)
    }

    /// Whether `text` is an accepted timestamp.
    public static func isValid(_ text: String) -> Bool { parse(text) != nil }

    /// Validates `text`; `nil` when valid, otherwise an `invalid_date` violation.
    public static func validate(_ text: String) -> FieldViolation? {
        isValid(text)
            ? nil
            : FieldViolation(
                code: .invalidDate, field: nil,
                message: "时间应为带时区的ISO 8601格式，如2026-11-20T09:30:00+08:00 (time must be ISO 8601 with an offset)")
    }

    /// Formats milliseconds since 1970 as `YYYY-MM-DDTHH:MM:SS+HH:MM` in the given offset (default +08:00,
    /// China Standard Time); milliseconds are dropped.
    public static func format(milliseconds: Int64, offsetMinutes: Int = 480) -> String {
        let localSeconds = Int(milliseconds.dividedRoundingDown(by: 1000)) + offsetMinutes * 60
        let days = localSeconds.dividedRoundingDown(by: 86_400)
        let secondOfDay = localSeconds - days * 86_400
        let (year, month, day) = civil(fromDays: days)
        let sign = offsetMinutes < 0 ? "-" : "+"
        let offset = abs(offsetMinutes)
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(secondOfDay / 3600, 2)):"
            + "\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2))\(sign)\(pad(offset / 60, 2)):\(pad(offset % 60, 2))"
    }

    // Inverse of `CalendarDate.daysSinceEpoch` (Hinnant's `civil_from_days`).
    private static func civil(fromDays z0: Int) -> (Int, Int, Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}

extension BinaryInteger {
    fileprivate func dividedRoundingDown(by divisor: Self) -> Self {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
