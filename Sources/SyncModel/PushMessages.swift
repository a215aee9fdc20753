/// Body of `POST /sync/push`: a batch of a device's mutations in sequence order.
public struct PushRequest: Sendable, Hashable, Codable {
    /// The pushing device; must be the device the bearer token was issued to.
    public var deviceId: String
    /// The app's version, recorded in the sync log.
    public var clientVersion: String?
    /// The mutations, in ascending `seq`.
    public var mutations: [Mutation]

    public init(deviceId: String, clientVersion: String? = nil, mutations: [Mutation]) {
        self.deviceId = deviceId
        self.clientVersion = clientVersion
        self.mutations = mutations
    }
}

/// The server's reading of a push body: entries stay raw JSON so that each is parsed (and possibly
/// rejected) on its own. Read with `PushEnvelope.parse`, the one way a push body is read.
public struct PushEnvelope: Sendable, Hashable {
    public var deviceId: String
    public var clientVersion: String?
    public var mutations: [JSONValue]

    public init(deviceId: String, clientVersion: String?, mutations: [JSONValue]) {
        self.deviceId = deviceId
        self.clientVersion = clientVersion
        self.mutations = mutations
    }
}

/// Answer to a push.
public struct PushResponse: Sendable, Hashable, Codable {
    /// One outcome per processed entry, in order.
    public var results: [MutationResult]
    /// The device's last applied sequence number after this push: outbox entries up to it are done.
    public var lastAppliedSeq: Int64
    /// Present when a gap stopped processing: the sequence number the server expects next.
    public var expectedSeq: Int64?
    /// The server's clock, milliseconds since 1970 (the client may use it to notice its own skew).
    public var serverTime: Int64
    /// True when at least one stamp in this push was ahead of the server's clock by more than the allowed
    /// skew and was clamped to the server's time (DESIGN §3.7).
    public var clockSkewClamped: Bool?

    public init(results: [MutationResult], lastAppliedSeq: Int64, expectedSeq: Int64? = nil, serverTime: Int64,
                clockSkewClamped: Bool? = nil) {
        self.results = results
        self.lastAppliedSeq = lastAppliedSeq
        self.expectedSeq = expectedSeq
        self.serverTime = serverTime
        self.clockSkewClamped = clockSkewClamped
    }
}
