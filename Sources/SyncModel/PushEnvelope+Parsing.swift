extension PushEnvelope {
    /// Reads a push body. Throws `JSONParseError` for text that is not JSON and `PushEnvelope.ShapeError`
    /// for JSON of the wrong shape; the entries in `mutations` stay raw for per-entry parsing.
    public static func parse<Bytes: Sequence>(_ body: Bytes) throws -> PushEnvelope where Bytes.Element == UInt8 {
        guard case .object(let object) = try JSONParser.parse(body) else {
            throw ShapeError(message: "body must be a JSON object")
        }
        guard let deviceId = object["deviceId"]?.stringValue else {
            throw ShapeError(message: "deviceId must be a string")
        }
        let clientVersion: String?
        switch object["clientVersion"] {
        case .none, .some(.null): clientVersion = nil
        case .some(.string(let value)): clientVersion = value
        case .some: throw ShapeError(message: "clientVersion must be a string")
        }
        guard let mutations = object["mutations"]?.arrayValue else {
            throw ShapeError(message: "mutations must be an array")
        }
        return PushEnvelope(deviceId: deviceId, clientVersion: clientVersion, mutations: mutations)
    }

    /// JSON of the wrong shape for a push body.
    public struct ShapeError: Error, Sendable, Hashable {
        public var message: String
    }
}
