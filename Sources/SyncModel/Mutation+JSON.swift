extension Mutation {
    /// The mutation as a JSON value, the same members `Codable` writes (for `JSONWriter`, which is much
    /// cheaper than `JSONEncoder` on the push path).
    public var jsonValue: JSONValue {
        var object: [String: JSONValue] = [
            "seq": .int(seq), "collection": .string(collection), "recordId": .string(recordId),
            "op": .string(op.rawValue), "fields": .object(fields), "stamp": .string(stamp.wireValue),
        ]
        if let baseVersion { object["baseVersion"] = .int(baseVersion) }
        return .object(object)
    }
}

extension PushRequest {
    /// The request body as a JSON value.
    public var jsonValue: JSONValue {
        var object: [String: JSONValue] = ["deviceId": .string(deviceId), "mutations": .array(mutations.map(\.jsonValue))]
        if let clientVersion { object["clientVersion"] = .string(clientVersion) }
        return .object(object)
    }
}
