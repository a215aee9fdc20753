import Foundation
import SyncEngine
import SyncModel

/// Encodes record fields and stamps the way every adapter stores them (compact JSON, sorted members, via
/// the model's own reader and writer), and estimates a record's size on the wire for pull paging, so that
/// all stores page alike.
package enum RecordCodec {
    package static func encodeFields(_ fields: [String: JSONValue]) -> Data {
        Data(JSONWriter.bytes(.object(fields)))
    }

    package static func encodeStamps(_ stamps: [String: HLCTimestamp]) -> Data {
        // Most fields of a record share one stamp (a create stamps them all alike): format each distinct
        // stamp once.
        var formatted: [HLCTimestamp: JSONValue] = [:]
        var object: [String: JSONValue] = [:]
        object.reserveCapacity(stamps.count)
        for (field, stamp) in stamps {
            if let text = formatted[stamp] {
                object[field] = text
            } else {
                let text = JSONValue.string(stamp.wireValue)
                formatted[stamp] = text
                object[field] = text
            }
        }
        return Data(JSONWriter.bytes(.object(object)))
    }

    package static func encode(_ value: JSONValue) -> Data {
        Data(JSONWriter.bytes(value))
    }

    package static func decode(_ data: Data) throws -> JSONValue {
        try JSONParser.parse(data)
    }

    package static func decodeFields(_ data: Data) throws -> [String: JSONValue] {
        guard case .object(let fields) = try JSONParser.parse(data) else {
            throw SyncStoreError(.corruptRecord, "stored fields are not an object")
        }
        return fields
    }

    package static func decodeStamps(_ data: Data) throws -> [String: HLCTimestamp] {
        guard case .object(let raw) = try JSONParser.parse(data) else {
            throw SyncStoreError(.corruptRecord, "stored stamps are not an object")
        }
        var stamps: [String: HLCTimestamp] = [:]
        for (field, value) in raw {
            guard let text = value.stringValue, let stamp = HLCTimestamp(wireValue: text) else {
                throw SyncStoreError(.corruptRecord, "stored stamp is malformed")
            }
            stamps[field] = stamp
        }
        return stamps
    }

    /// Bytes a record takes in a pull response, close enough to page by.
    package static func wireSize(fieldsBytes: Int, stampsBytes: Int, collection: String, id: String) -> Int {
        fieldsBytes + stampsBytes + collection.utf8.count + id.utf8.count + 96
    }

    /// The record's stored field versions and open-conflict markers, or nil when it has neither.
    package static func encodeMeta(_ record: SyncRecord) -> Data? {
        let versions = record.storedFieldVersions
        guard !versions.isEmpty || !record.openConflicts.isEmpty else { return nil }
        var object: [String: JSONValue] = [:]
        if !versions.isEmpty { object["v"] = .object(versions.mapValues { .int($0) }) }
        if !record.openConflicts.isEmpty {
            object["c"] = .array(record.openConflicts.map { .object(["id": .string($0.id), "f": .string($0.field)]) })
        }
        return Data(JSONWriter.bytes(.object(object)))
    }

    /// Reads what `encodeMeta` wrote into `record`.
    package static func decodeMeta(_ data: Data?, into record: inout SyncRecord) throws {
        guard let data else { return }
        guard case .object(let object) = try JSONParser.parse(data) else {
            throw SyncStoreError(.corruptRecord, "stored record meta is not an object")
        }
        for (field, value) in object["v"]?.objectValue ?? [:] {
            guard let version = value.intValue else { throw SyncStoreError(.corruptRecord, "stored field version is malformed") }
            record.fieldVersions[field] = version
        }
        for item in object["c"]?.arrayValue ?? [] {
            guard let id = item.objectValue?["id"]?.stringValue, let field = item.objectValue?["f"]?.stringValue else {
                throw SyncStoreError(.corruptRecord, "stored conflict marker is malformed")
            }
            record.openConflicts.append(ConflictMarker(id: id, field: field))
        }
    }

    /// A conflict as stored (Codable JSON; conflicts are written far less often than records).
    package static func encodeConflict(_ conflict: Conflict) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(conflict)
    }

    package static func decodeConflict(_ data: Data) throws -> Conflict {
        do {
            return try JSONDecoder().decode(Conflict.self, from: data)
        } catch {
            throw SyncStoreError(.corruptRecord, "stored conflict is malformed")
        }
    }
}
