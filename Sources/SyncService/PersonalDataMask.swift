import SyncModel

/// Masks personal data before it leaves the server in admin listings (DESIGN §4: ID numbers are shown
/// only where the role needs them).
package enum PersonalDataMask {
    /// Replaces every `idNumber` string inside `value` with its first 6 and last 4 characters around
    /// asterisks (`522327********0012`).
    package static func maskIDNumbers(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let members):
            var masked: [String: JSONValue] = [:]
            for (key, member) in members {
                if key == "idNumber", case .string(let raw) = member {
                    masked[key] = .string(mask(raw))
                } else {
                    masked[key] = maskIDNumbers(member)
                }
            }
            return .object(masked)
        case .array(let elements):
            return .array(elements.map(maskIDNumbers))
        default:
            return value
        }
    }

    static func mask(_ raw: String) -> String {
        let characters = Array(raw)
        guard characters.count > 10 else { return String(repeating: "*", count: characters.count) }
        return String(characters.prefix(6)) + String(repeating: "*", count: characters.count - 10)
            + String(characters.suffix(4))
    }
}
