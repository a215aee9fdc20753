import SyncModel

/// Why a ``SyncTransport`` call failed.
public enum SyncTransportError: Error, Sendable, Hashable {
    /// The request did not complete (no connection, timeout, reset, a gateway that lost the server). Retryable:
    /// the protocol is idempotent, so sending the same push again is safe.
    case network(String)
    /// The server answered `503` (or `429`): back off, at least `retryAfterSeconds` when it said so. Retryable.
    case overloaded(retryAfterSeconds: Double?)
    /// The server refused the request (`400`, `401`, `403`, `413`, `426`…) with its `{code, message}` body
    /// when it sent one. Not retryable: sending it again gives the same answer.
    case http(status: Int, body: APIErrorBody?)
    /// The answer was not the JSON the protocol promises.
    case decoding(String)

    /// Whether the sync loop should back off and try again.
    public var isRetryable: Bool {
        switch self {
        case .network, .overloaded: return true
        case .http, .decoding: return false
        }
    }
}
