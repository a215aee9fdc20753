/// Mainland China phone numbers: an 11-digit mobile `1[3-9]xxxxxxxxx`, or a landline written
/// `0<area>-<local>` with a 2–3 digit area code after the `0` and a 7–8 digit local number not starting
/// with `0` (e.g. `0851-3221234`, `010-12345678`). Spaces, `+86` and extensions are not accepted: apps
/// normalise before sending.
public enum PhoneNumber {
    /// Whether `phone` is a mobile number.
    public static func isMobile(_ phone: String) -> Bool {
        let bytes = Array(phone.utf8)
        return bytes.count == 11 && bytes.allSatisfy(isDigit) && bytes[0] == UInt8(ascii: "1")
            && bytes[1] >= UInt8(ascii: "3")
    }

    /// Whether `phone` is a landline number.
    public static func isLandline(_ phone: String) -> Bool {
        let parts = phone.utf8.split(separator: UInt8(ascii: "-"), omittingEmptySubsequences: false)
        guard parts.count == 2 else { return false }
        let area = Array(parts[0]), local = Array(parts[1])
        return (3...4).contains(area.count) && area.allSatisfy(isDigit) && area[0] == UInt8(ascii: "0")
            && area[1] != UInt8(ascii: "0")
            && (7...8).contains(local.count) && local.allSatisfy(isDigit) && local[0] != UInt8(ascii: "0")
    }

    /// Whether `phone` is a mobile or a landline number.
    public static func isValid(_ phone: String) -> Bool { isMobile(phone) || isLandline(phone) }

    /// Validates `phone`; `nil` when valid, otherwise an `invalid_phone` violation.
    public static func validate(_ phone: String) -> FieldViolation? {
        isValid(phone)
            ? nil
            : FieldViolation(
                code: .invalidPhone, field: nil,
                message: "电话号码应为11位手机号或“区号-号码”格式的固话 (phone must be an 11-digit mobile or a landline 0xxx-xxxxxxx)")
    }

    /// The number with its middle digits replaced by `*` (e.g. `138****5678`), for cards and lists.
    public static func masked(_ phone: String) -> String {
        guard phone.count > 7 else { return String(repeating: "*", count: phone.count) }
        return String(phone.prefix(3)) + String(repeating: "*", count: phone.count - 7) + String(phone.suffix(4))
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
}
