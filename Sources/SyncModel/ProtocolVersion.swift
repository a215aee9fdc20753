/// The sync protocol's version negotiation (DESIGN §3.1).
public enum ProtocolVersion {
    /// The header every sync request carries, e.g. `Bangfu-Protocol: 1`.
    public static let headerName = "Bangfu-Protocol"
    /// The header in which the server states the range it supports, e.g. `1-1`.
    public static let supportedHeaderName = "Bangfu-Protocol-Supported"
    /// The version this code speaks. Protocol 2 (docs/log-positions.md): a record's `version` is its own
    /// revision, no longer its change-log position.
    public static let current = 2
    /// The versions the server accepts. Protocol 1 apps keep syncing: their pulls carry log positions as
    /// `version`, and their `baseVersion`s (positions) are not compared with revisions.
    public static let supported: ClosedRange<Int> = 1...2
    /// Versions still accepted but announced for removal (answered with a `Warning` header).
    public static let deprecated: Set<Int> = []
}

/// The JSON body of every error response: `{code, message}`.
public struct APIErrorBody: Sendable, Hashable, Codable {
    public var code: ErrorCode
    public var message: String
    public init(code: ErrorCode, message: String) {
        self.code = code
        self.message = message
    }
}
