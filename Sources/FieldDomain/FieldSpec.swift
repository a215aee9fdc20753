/// One field of a collection: its wire name, zh-CN name, type and limits, merge policy, whether a create
/// must carry it, and whether its value is personal data.
public struct FieldSpec: Sendable, Hashable {
    /// The camelCase wire name, e.g. `headName`.
    public let name: String
    /// The zh-CN name, e.g. `户主姓名`.
    public let displayName: String
    /// The type and limits of the value.
    public let kind: FieldKind
    /// How concurrent writes merge and who may write.
    public let policy: MergePolicy
    /// Whether a `create` must carry a non-null value; such a field may never be set to `null` either.
    public let isRequired: Bool
    /// Personal data under PIPL (ID numbers, phone numbers) and how it is protected: encrypted at rest,
    /// hashed in the audit log (protocol/audit.md §3), masked where `PersonalData` says. Declared here, in
    /// the catalogue, not guessed from the name; nil for other fields.
    public let personal: PersonalData?
    /// Whether the field holds personal data.
    public var isPersonal: Bool { personal != nil }

    /// Makes a field description.
    public init(_ name: String, _ displayName: String, _ kind: FieldKind, _ policy: MergePolicy, required: Bool = false,
                personal: PersonalData? = nil) {
        self.name = name
        self.displayName = displayName
        self.kind = kind
        self.policy = policy
        self.isRequired = required
        self.personal = personal
    }
}
