import Foundation
import SyncModel

/// Encodes record fields and stamps the way every adapter stores them, and estimates a record's size on
/// the wire for pull paging, so that all stores page alike.
package enum RecordCodec {
    package static func encodeFields(_ fields: [String: JSONValue]) throws -> Data {
        try encoder.encode(fields)
    }

    package static func encodeStamps(_ stamps: [String: HLCTimestamp]) throws -> Data {
        try encoder.encode(stamps)
    }

    package static func decodeFields(_ data: Data) throws -> [String: JSONValue] {
        try JSONDecoder().decode([String: JSONValue].self, from: data)
    }

    package static func decodeStamps(_ data: Data) throws -> [String: HLCTimestamp] {
        try JSONDecoder().decode([String: HLCTimestamp].self, from: data)
    }

    /// Bytes a record takes in a pull response, close enough to page by.
    package static func wireSize(fieldsBytes: Int, stampsBytes: Int, collection: String, id: String) -> Int {
        fieldsBytes + stampsBytes + collection.utf8.count + id.utf8.count + 96
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        return encoder
    }()
}
