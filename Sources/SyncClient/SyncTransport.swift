import SyncModel

/// The client's network port: one push and one pull call of protocol v1.
///
/// ``HTTPSyncTransport`` speaks HTTPS to a real server; tests and simulators plug in in-process or faulty
/// transports. Implementations throw ``SyncTransportError`` so that the sync loop can tell what to retry.
public protocol SyncTransport: Sendable {
    /// `POST /sync/push`: sends a batch of mutations in ascending `seq`.
    func push(_ request: PushRequest) async throws -> PushResponse

    /// `GET /sync/pull`: fetches changes after `cursor` (empty for the start), about `maxBytes` at most.
    func pull(cursor: String, maxBytes: Int?) async throws -> PullResponse

    /// `POST /sync/integrity`: compares what the device holds with its scope (protocol/scopes.md §6).
    func checkIntegrity(_ request: IntegrityRequest) async throws -> IntegrityResponse

    /// `GET /sync/events`: pokes, one element each, while the connection lasts (protocol/README.md §7a).
    /// The stream throws when it breaks; the client then polls and listens again later.
    func pokes() async throws -> AsyncThrowingStream<Void, any Error>

    /// `POST /sync/enrol`: registers a new device's key with a one-time code (no bearer token).
    func enrol(_ request: EnrolRequest) async throws -> DeviceTokens

    /// `POST /sync/token`: new tokens for a refresh token and a proof of the device key.
    func refreshTokens(_ request: TokenRefreshRequest) async throws -> DeviceTokens

    /// `POST /sync/cards`: a 明白卡 for one of the helper's households (protocol/cards.md §5).
    func issueCard(_ request: CardIssueRequest) async throws -> CardMessage

    /// `GET /sync/cards/trust`: the card signing keys and revocation lists, for offline checks.
    func cardTrust() async throws -> CardTrustMessage

    /// `POST /sync/cards/verify`: the server's verdict on a scanned payload.
    func verifyCard(_ request: CardVerifyRequest) async throws -> CardVerifyResponse
}

extension SyncTransport {
    /// Transports without live pokes: the client polls.
    public func pokes() async throws -> AsyncThrowingStream<Void, any Error> {
        throw SyncTransportError.http(status: 404, body: APIErrorBody(code: .notFound, message: "live pokes not supported"))
    }

    /// Transports without enrolment: the server route is missing, as a 404 would say.
    public func enrol(_ request: EnrolRequest) async throws -> DeviceTokens {
        throw SyncTransportError.http(status: 404, body: APIErrorBody(code: .notFound, message: "enrolment not supported"))
    }

    /// Transports without token refresh.
    public func refreshTokens(_ request: TokenRefreshRequest) async throws -> DeviceTokens {
        throw SyncTransportError.http(status: 404, body: APIErrorBody(code: .notFound, message: "token refresh not supported"))
    }

    /// Transports without cards: the server route is missing, as a 404 would say.
    public func issueCard(_ request: CardIssueRequest) async throws -> CardMessage {
        throw SyncTransportError.http(status: 404, body: APIErrorBody(code: .notFound, message: "cards not supported"))
    }

    public func cardTrust() async throws -> CardTrustMessage {
        throw SyncTransportError.http(status: 404, body: APIErrorBody(code: .notFound, message: "cards not supported"))
    }

    public func verifyCard(_ request: CardVerifyRequest) async throws -> CardVerifyResponse {
        throw SyncTransportError.http(status: 404, body: APIErrorBody(code: .notFound, message: "cards not supported"))
    }

    /// Transports written before the integrity check: the server route is missing, as a 404 would say.
    public func checkIntegrity(_ request: IntegrityRequest) async throws -> IntegrityResponse {
        throw SyncTransportError.http(status: 404, body: APIErrorBody(code: .notFound, message: "integrity check not supported"))
    }
}
