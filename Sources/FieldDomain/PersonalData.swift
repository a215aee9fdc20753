/// How a personal field (PIPL: ID numbers, phone numbers) is protected, as the field catalogue declares it
/// (docs/personal-data.md; protocol/security.md §5).
///
/// Every personal value is encrypted at rest and hashed in the audit log. Where it leaves the server in
/// full depends on `maskedOnPhones`: a masked field reaches phones (every role's) and admins below the county
/// only as its mask, e.g. `3201**********123X`; an unmasked one (a household's phone, which the helper
/// calls) reaches everyone who may see its record. Kept rejected writes hold the mask of every personal
/// value, whatever the field.
public struct PersonalData: Sendable, Hashable {
    /// Characters kept at the start of the mask.
    public let keepFirst: Int
    /// Characters kept at the end of the mask.
    public let keepLast: Int
    /// Whether phones and admins below the county see only the mask.
    public let maskedOnPhones: Bool

    public init(keepFirst: Int, keepLast: Int, maskedOnPhones: Bool) {
        self.keepFirst = keepFirst
        self.keepLast = keepLast
        self.maskedOnPhones = maskedOnPhones
    }

    /// A resident ID number: the first 4 digits (province and city) and the last 4 stay, the birth date and
    /// the rest of the region do not.
    public static let idNumber = PersonalData(keepFirst: 4, keepLast: 4, maskedOnPhones: true)
    /// A phone number: shown to whoever sees the record; masked (`138****5678`) only in kept rejections.
    public static let phone = PersonalData(keepFirst: 3, keepLast: 4, maskedOnPhones: false)

    /// The character that replaces hidden ones. A value holding it is a mask, never a real value.
    public static let maskCharacter: Character = "*"

    /// `raw` with every character but the first `keepFirst` and the last `keepLast` replaced by `*`; a value
    /// too short to keep anything is masked whole.
    public func mask(_ raw: String) -> String {
        let characters = Array(raw)
        guard characters.count > keepFirst + keepLast else {
            return String(repeating: Self.maskCharacter, count: characters.count)
        }
        return String(characters.prefix(keepFirst))
            + String(repeating: Self.maskCharacter, count: characters.count - keepFirst - keepLast)
            + String(characters.suffix(keepLast))
    }

    /// Whether `value` looks like a mask (holds `*`): a device sends back a mask it was given, never a value.
    public static func isMask(_ value: String) -> Bool { value.contains(maskCharacter) }
}
