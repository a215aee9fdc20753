import FieldDomain
import SyncModel

/// Masks personal data before it leaves the server for a role that may not see it in full (DESIGN §4;
/// protocol/security.md §5). Which fields, and how, is the field catalogue's to say (`FieldSpec.personal`).
package enum PersonalDataMask {
    /// The personal fields of the whole catalogue by name: a name means the same kind of data in every
    /// collection (`phone` is a phone number wherever it appears), which the catalogue test checks.
    static let byName: [String: PersonalData] = Dictionary(
        Domain.allSchemas.flatMap(\.personalFields).compactMap { spec in spec.personal.map { (spec.name, $0) } },
        uniquingKeysWith: { first, _ in first })

    /// `fields` of a record of `collection` as phones and admins below the county see them: each field
    /// masked on phones replaced by its mask.
    package static func forPhones(_ fields: [String: JSONValue], of collection: CollectionName) -> [String: JSONValue] {
        let schema = Domain.schema(for: collection)
        var masked = fields
        for spec in schema.personalFields where spec.personal?.maskedOnPhones == true {
            if case .string(let raw)? = fields[spec.name], !PersonalData.isMask(raw) {
                masked[spec.name] = .string(spec.personal!.mask(raw))
            }
        }
        return masked
    }

    /// `value` (a mutation, a conflict side) with every member named like a field masked on phones masked.
    package static func forPhones(_ value: JSONValue) -> JSONValue {
        mask(value) { $0.maskedOnPhones }
    }

    /// `value` with every member named like a personal field masked, whatever the field: what a kept
    /// rejected write stores (a refused write is kept as evidence of the refusal, not as data).
    package static func everywhere(_ value: JSONValue) -> JSONValue {
        mask(value) { _ in true }
    }

    private static func mask(_ value: JSONValue, when applies: (PersonalData) -> Bool) -> JSONValue {
        switch value {
        case .object(let members):
            var masked: [String: JSONValue] = [:]
            for (key, member) in members {
                if let personal = byName[key], applies(personal), !member.isNull {
                    // A value of the wrong type (a number, a list) is masked as its JSON text: refused as
                    // `invalid_type`, it is still what the device sent.
                    let raw = member.stringValue ?? String(decoding: JSONWriter.bytes(member), as: UTF8.self)
                    masked[key] = .string(PersonalData.isMask(raw) ? raw : personal.mask(raw))
                } else {
                    masked[key] = mask(member, when: applies)
                }
            }
            return .object(masked)
        case .array(let elements):
            return .array(elements.map { mask($0, when: applies) })
        default:
            return value
        }
    }
}
