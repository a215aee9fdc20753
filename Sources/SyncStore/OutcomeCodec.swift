import Foundation
import SyncModel

/// Stores a push's outcomes as one compact JSON array: `[{"q":seq,"s":status,"v":version,"c":code,"f":field,
/// "m":message}]`, absent members omitted.
package enum OutcomeCodec {
    package static func encode(_ outcomes: [MutationResult]) -> Data {
        RecordCodec.encode(.array(outcomes.map { outcome in
            var object: [String: JSONValue] = ["s": .string(outcome.status.rawValue)]
            if let seq = outcome.seq { object["q"] = .int(seq) }
            if let version = outcome.version { object["v"] = .int(version) }
            if let code = outcome.code { object["c"] = .string(code.rawValue) }
            if let field = outcome.field { object["f"] = .string(field) }
            if let message = outcome.message { object["m"] = .string(message) }
            if let ids = outcome.conflictIds { object["x"] = .array(ids.map(JSONValue.string)) }
            return .object(object)
        }))
    }

    package static func decode(_ data: Data) throws -> [MutationResult] {
        guard case .array(let items) = try RecordCodec.decode(data) else {
            throw SyncStoreError(.corruptRecord, "stored outcomes are not an array")
        }
        return try items.map { item in
            guard let object = item.objectValue, let raw = object["s"]?.stringValue,
                let status = MutationResult.Status(rawValue: raw)
            else { throw SyncStoreError(.corruptRecord, "stored outcome is malformed") }
            let ids = object["x"]?.arrayValue?.compactMap(\.stringValue)
            return MutationResult(seq: object["q"]?.intValue, status: status, version: object["v"]?.intValue,
                                  code: object["c"]?.stringValue.map(ErrorCode.init(rawValue:)),
                                  field: object["f"]?.stringValue, message: object["m"]?.stringValue,
                                  conflictId: ids?.first, conflictIds: ids)
        }
    }
}
