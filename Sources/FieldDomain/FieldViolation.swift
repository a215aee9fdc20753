import SyncModel

/// Why a field value, a write or a record was refused: a stable code, the field at fault and a reason.
///
/// The message is zh-CN first with an English gloss, and never echoes the value (it may be personal data,
/// such as an ID number or a phone number).
public struct FieldViolation: Sendable, Hashable, Error {
    /// The stable code, sent as the rejection code of a mutation.
    public var code: ErrorCode
    /// The field at fault, if one was.
    public var field: String?
    /// The reason, e.g. `身份证号校验位错误 (ID number checksum failed)`.
    public var message: String

    /// Makes a violation.
    public init(code: ErrorCode, field: String?, message: String) {
        self.code = code
        self.field = field
        self.message = message
    }

    /// The same violation attributed to `field`.
    public func on(_ field: String?) -> FieldViolation {
        FieldViolation(code: code, field: field, message: message)
    }
}
