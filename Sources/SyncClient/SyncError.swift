import SyncModel

/// Why `SyncClient.sync()` or a local write failed, for the app to show or act on.
///
/// `kind` says what happened; for ``Kind/server`` failures `code` carries the server's stable code
/// (e.g. `token_expired`: re-enrol; `protocol_unsupported`: update the app).
public struct SyncError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The families of failure.
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case server, retriesExhausted, protocolViolation, localStore, recordNotFound, invalidRecordId
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The server refused the request; retrying will not help (see `code` and `httpStatus`).
        public static let server = Kind(.server)
        /// Retryable failures (network, overload) went on for the whole retry budget.
        public static let retriesExhausted = Kind(.retriesExhausted)
        /// The server answered something the protocol rules out (e.g. it expects a sequence number it had
        /// already acknowledged): stopped instead of looping.
        public static let protocolViolation = Kind(.protocolViolation)
        /// The local store failed (disk full, corrupt data, a store that belongs to another device).
        public static let localStore = Kind(.localStore)
        /// A local write named a record this device does not hold.
        public static let recordNotFound = Kind(.recordNotFound)
        /// A local write would produce a record id the protocol does not accept.
        public static let invalidRecordId = Kind(.invalidRecordId)

        public var description: String { base.rawValue }
    }

    /// What happened.
    public var kind: Kind
    /// The server's code, for ``Kind/server``.
    public var code: ErrorCode?
    /// The HTTP status, for ``Kind/server``.
    public var httpStatus: Int?
    /// A description without personal data.
    public var message: String

    /// Makes an error.
    public init(kind: Kind, code: ErrorCode? = nil, httpStatus: Int? = nil, message: String) {
        self.kind = kind
        self.code = code
        self.httpStatus = httpStatus
        self.message = message
    }

    public var description: String {
        var text = "\(kind)"
        if let code { text += " \(code)" }
        if let httpStatus { text += " (HTTP \(httpStatus))" }
        return text + ": " + message
    }
}
