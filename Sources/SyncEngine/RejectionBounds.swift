import FieldDomain
import SyncModel

/// How much of a refused entry the server keeps (protocol/README.md §6.3 and §12): a rejection is stored
/// twice (the outcome a replay answers, and the entry kept for admins), so what a device sent is bounded
/// there, or one phone could grow the database by more than it uploads.
package enum RejectionBounds {
    /// The longest `field` of a rejection, in UTF-8 bytes: every real field name fits (extension names are
    /// at most 64 bytes); a longer, invalid name is cut.
    package static let maxFieldBytes = 64
    /// The largest entry kept whole for admins, in bytes of encoded JSON. A larger one is kept as a summary.
    package static let maxKeptEntryBytes = 65_536

    /// `field` cut to `maxFieldBytes`.
    package static func field(_ field: String?) -> String? {
        field.map { prefix($0, maxBytes: maxFieldBytes) }
    }

    /// The entry as sent when it encodes to at most `maxKeptEntryBytes`; otherwise its `seq`, `collection`,
    /// `recordId`, `op` and `stamp` (strings cut to 64 bytes), the names of its fields, and `omittedBytes`,
    /// the size of the entry that was not kept.
    package static func keptEntry(_ entry: JSONValue) -> JSONValue {
        let size = JSONWriter.bytes(entry).count
        guard size > maxKeptEntryBytes else { return entry }
        var summary: [String: JSONValue] = ["omittedBytes": .int(Int64(size))]
        if case .object(let object) = entry {
            if case .int(let seq)? = object["seq"] { summary["seq"] = .int(seq) }
            for key in ["collection", "recordId", "op", "stamp"] {
                if let value = object[key]?.stringValue { summary[key] = .string(prefix(value, maxBytes: 64)) }
            }
            if case .object(let fields)? = object["fields"] {
                summary["fieldNames"] = .array(fields.keys.sorted().prefix(CollectionSchema.maxFields)
                    .map { .string(prefix($0, maxBytes: maxFieldBytes)) })
            }
        }
        return .object(summary)
    }

    /// The longest prefix of `text` that fits in `maxBytes` of UTF-8, cut between code points.
    static func prefix(_ text: String, maxBytes: Int) -> String {
        guard text.utf8.count > maxBytes else { return text }
        var kept = String.UnicodeScalarView()
        var used = 0
        for scalar in text.unicodeScalars {
            used += UTF8.width(scalar)
            guard used <= maxBytes else { break }
            kept.append(scalar)
        }
        return String(kept)
    }
}
