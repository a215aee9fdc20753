import SyncModel

/// The fields of one collection with their types, limits and merge policies, and the rules that check what
/// devices and admins write.
///
/// Fields this version does not know ("extension" fields, written by a newer app) are kept, not dropped
/// (DESIGN §3.1): a name matching `^[a-z][A-Za-z0-9_]{0,63}$` with a value of at most 4 KiB encoded is
/// accepted and merges last-writer-wins. Dotted names exist only as `policies.<code>` on households.
public struct CollectionSchema: Sendable {
    /// The collection described.
    public let collection: CollectionName
    /// The known fields, in catalogue order.
    public let fields: [FieldSpec]
    private let fieldsByName: [String: FieldSpec]
    private let requiredNames: [String]
    /// The personal fields, in catalogue order (read per record on every pull and write: kept, not filtered
    /// each time).
    public let personalFields: [FieldSpec]

    /// The most fields a record (or a single mutation) may carry.
    public static let maxFields = 200

    /// Makes a schema from its field list.
    public init(collection: CollectionName, fields: [FieldSpec]) {
        self.collection = collection
        self.fields = fields
        self.fieldsByName = Dictionary(fields.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.requiredNames = fields.filter(\.isRequired).map(\.name).sorted()
        self.personalFields = fields.filter(\.isPersonal)
    }

    /// The known field called `name`, or `nil` (an extension field or an unacceptable name).
    public func field(named name: String) -> FieldSpec? { fieldsByName[name] }

    /// Whether `field` holds personal data (the catalogue says so; unknown extension fields do not).
    public func isPersonal(_ field: String) -> Bool { fieldsByName[field]?.isPersonal ?? false }

    /// How `field` is protected as personal data; nil when it is not personal.
    public func personalData(_ field: String) -> PersonalData? { fieldsByName[field]?.personal }


    /// How `field` merges; unknown (extension) fields merge last-writer-wins.
    public func mergePolicy(for field: String) -> MergePolicy {
        if let spec = fieldsByName[field] { return spec.policy }
        if collection == .households, field.hasPrefix(SupportPolicy.fieldPrefix) { return .elementSet }
        return .lastWriterWins
    }

    /// Checks what a device sends: each field's type, range and codes (in sorted field-name order), refuses
    /// server-only fields and immutable fields after creation with `read_only_field`, and on `.create`
    /// requires the required fields and the cross-field rules. Returns the first violation.
    public func validate(op: MutationOp, fields: [String: JSONValue]) -> FieldViolation? {
        validate(op: op, fields: fields, asAdmin: false)
    }

    /// The same checks for an admin or server write, which may also write server-only and immutable fields
    /// (seeding, admin tools, the server filling `helperId` on a visit).
    public func validateAdmin(op: MutationOp, fields: [String: JSONValue]) -> FieldViolation? {
        validate(op: op, fields: fields, asAdmin: true)
    }

    /// Checks a whole record after a mutation was merged into it: the field count, the required fields, and
    /// the cross-field rules (e.g. `monitoringCategory` set exactly when `status` is `monitored`; a visit's
    /// fields match its kind). Per-field values were checked when written and are not checked again.
    public func validateRecord(_ fields: [String: JSONValue]) -> FieldViolation? {
        if fields.count > CollectionSchema.maxFields { return .tooManyFields }
        for name in requiredNames where fields[name]?.isNull ?? true {
            return .missing(name)
        }
        return crossFieldViolation(fields)
    }

    private func validate(op: MutationOp, fields: [String: JSONValue], asAdmin: Bool) -> FieldViolation? {
        if fields.count > CollectionSchema.maxFields { return .tooManyFields }
        for name in fields.keys.sorted() {
            let value = fields[name] ?? .null
            let spec: FieldSpec
            switch resolve(name) {
            case .success(let resolved): spec = resolved
            case .failure(let violation): return violation.on(name)
            }
            if !asAdmin && (collection.isServerOwned || !spec.policy.deviceMayWrite(isCreate: op == .create)) {
                return FieldViolation(
                    code: .readOnlyField, field: name,
                    message: op == .create || collection.isServerOwned || spec.policy == .serverOnly
                        ? "该字段只能由服务器或管理员写入 (field is written by the server or an admin only)"
                        : "该字段创建后不可修改 (field cannot be changed after creation)")
            }
            if value.isNull {
                if spec.isRequired { return .missing(name) }
                continue
            }
            if spec.isPersonal, case .string(let text) = value, PersonalData.isMask(text) {
                return FieldViolation(
                    code: .maskedValue, field: name,
                    message: "不能提交脱敏后的值，请输入完整号码 (a masked value cannot be written; send the full value)")
            }
            if let violation = spec.kind.check(value) { return violation.on(name) }
        }
        if op == .create {
            for name in requiredNames where fields[name]?.isNull ?? true {
                return .missing(name)
            }
            return crossFieldViolation(fields)
        }
        return nil
    }

    /// Checks one known field's value (type, range, codes) on its own, as `validate` would; nil for a valid
    /// or null value or a field this schema does not know. The engine uses it where a value must be sound
    /// before another rule reads it (a visit's `villageCode` before the scope check).
    public func validateValue(of name: String, _ value: JSONValue) -> FieldViolation? {
        guard let spec = fieldsByName[name], !value.isNull else { return nil }
        return spec.kind.check(value)?.on(name)
    }

    /// The spec of a known field, or of an acceptable extension field.
    private func resolve(_ name: String) -> Result<FieldSpec, FieldViolation> {
        if let spec = fieldsByName[name] { return .success(spec) }
        if collection == .households, name.hasPrefix(SupportPolicy.fieldPrefix) {
            return .failure(FieldViolation(
                code: .invalidEnum, field: name, message: "未知的帮扶政策代码 (unknown policy code)"))
        }
        guard CollectionSchema.isExtensionName(name) else {
            return .failure(FieldViolation(
                code: .invalidType, field: name,
                message: "字段名不合法，应匹配^[a-z][A-Za-z0-9_]{0,63}$ (field name must match ^[a-z][A-Za-z0-9_]{0,63}$)"))
        }
        return .success(FieldSpec(name, "扩展字段", .extensionValue, .lastWriterWins))
    }

    /// Whether `name` is acceptable as an extension field name: `^[a-z][A-Za-z0-9_]{0,63}$`.
    public static func isExtensionName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard (1...64).contains(bytes.count), bytes[0] >= 0x61 && bytes[0] <= 0x7A else { return false }
        return bytes.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x5F
        }
    }
}

extension FieldViolation {
    static func missing(_ field: String) -> FieldViolation {
        FieldViolation(code: .requiredField, field: field, message: "必填字段缺失 (required field is missing)")
    }

    static let tooManyFields = FieldViolation(
        code: .recordTooLarge, field: nil,
        message: "记录字段数超过\(CollectionSchema.maxFields)个 (a record may carry at most \(CollectionSchema.maxFields) fields)")
}
