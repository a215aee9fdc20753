/// Why a mutation entry could not be read, with the sequence number when that much was readable.
public struct MutationParseFailure: Sendable, Hashable, Error {
    /// The entry's `seq`, when it was a positive integer.
    public var seq: Int64?
    /// `malformed_mutation`, `invalid_stamp` or `invalid_record_id`.
    public var code: ErrorCode
    /// The member that was wrong.
    public var field: String?
    /// A human-readable explanation (never echoing the value).
    public var message: String
}

extension Mutation {
    /// The longest record id accepted.
    public static let maxRecordIdLength = 64

    /// Reads one entry of a push batch.
    ///
    /// Entries are parsed one by one (not with `Codable` over the whole batch) so that one bad entry is
    /// rejected on its own while the rest of the batch still goes through.
    public static func parse(_ value: JSONValue) -> Result<Mutation, MutationParseFailure> {
        guard let object = value.objectValue else {
            return .failure(.init(seq: nil, code: .malformedMutation, field: nil, message: "mutation must be a JSON object"))
        }
        guard let seq = object["seq"]?.intValue, seq > 0 else {
            return .failure(.init(seq: nil, code: .malformedMutation, field: "seq", message: "seq must be a positive integer"))
        }
        func fail(_ code: ErrorCode, _ field: String, _ message: String) -> Result<Mutation, MutationParseFailure> {
            .failure(.init(seq: seq, code: code, field: field, message: message))
        }
        guard let collection = object["collection"]?.stringValue, !collection.isEmpty else {
            return fail(.malformedMutation, "collection", "collection must be a non-empty string")
        }
        guard let recordId = object["recordId"]?.stringValue else {
            return fail(.malformedMutation, "recordId", "recordId must be a string")
        }
        guard isValidRecordId(recordId) else {
            return fail(.invalidRecordId, "recordId", "recordId must be 1–64 characters of [A-Za-z0-9._:-]")
        }
        guard let rawOp = object["op"]?.stringValue, let op = MutationOp(rawValue: rawOp) else {
            return fail(.malformedMutation, "op", "op must be one of create, set, delete")
        }
        let fields: [String: JSONValue]
        switch object["fields"] {
        case .none, .some(.null): fields = [:]
        case .some(.object(let members)): fields = members
        case .some: return fail(.malformedMutation, "fields", "fields must be an object")
        }
        guard let rawStamp = object["stamp"]?.stringValue, let stamp = HLCTimestamp(wireValue: rawStamp) else {
            return fail(.invalidStamp, "stamp", "stamp must be an HLC stamp \"<ms>-<counter>-<node>\"")
        }
        var baseVersion: Int64?
        switch object["baseVersion"] {
        case .none, .some(.null): baseVersion = nil
        case .some(let raw):
            guard let version = raw.intValue, version >= 0 else {
                return fail(.malformedMutation, "baseVersion", "baseVersion must be a non-negative integer")
            }
            baseVersion = version
        }
        return .success(Mutation(seq: seq, collection: collection, recordId: recordId, op: op, fields: fields,
                                 stamp: stamp, baseVersion: baseVersion))
    }

    /// Whether `id` is an acceptable record id: 1–64 characters of `[A-Za-z0-9._:-]`.
    public static func isValidRecordId(_ id: String) -> Bool {
        guard !id.isEmpty, id.utf8.count <= maxRecordIdLength else { return false }
        return id.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x2E || byte == 0x5F || byte == 0x3A || byte == 0x2D
        }
    }
}
