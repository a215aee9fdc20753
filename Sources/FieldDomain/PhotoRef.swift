/// A photo reference: the SHA-256 digest of the photo's bytes as 64 lowercase hex digits. Photos travel
/// separately (content-addressed); records carry only the digest.
public enum PhotoRef {
    /// Whether `ref` is 64 lowercase hex digits.
    public static func isValid(_ ref: String) -> Bool {
        let bytes = ref.utf8
        return bytes.count == 64
            && bytes.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }

    /// Validates `ref`; `nil` when valid, otherwise an `invalid_photo_ref` violation.
    public static func validate(_ ref: String) -> FieldViolation? {
        isValid(ref)
            ? nil
            : FieldViolation(
                code: .invalidPhotoRef, field: nil,
                message: "照片引用应为64位小写十六进制SHA-256摘要 (photo reference must be a lowercase hex SHA-256 digest)")
    }
}
