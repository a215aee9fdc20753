/// What became of one pushed mutation (DESIGN §3.3): never a thrown error, always a value.
public struct MutationResult: Sendable, Hashable, Codable {
    /// The outcome kinds.
    public enum Status: String, Sendable, Hashable, Codable {
        /// Committed; `version` is the record version it produced.
        case applied
        /// Refused for a stated reason; the device's sequence still advanced past it.
        case rejected
        /// Applied provisionally and a conflict was opened for review (`conflictId`).
        case conflict
        /// Not processed now (e.g. after a sequence gap); send it again.
        case retryLater
    }

    /// The mutation's sequence number, when it could be read.
    public var seq: Int64?
    /// The outcome.
    public var status: Status
    /// The record version produced (applied and conflict outcomes).
    public var version: Int64?
    /// Why it was rejected.
    public var code: ErrorCode?
    /// The field that was at fault, if one was.
    public var field: String?
    /// A human-readable reason (zh-CN first), never echoing personal data.
    public var message: String?
    /// The (first) conflict opened, for `conflict` outcomes.
    public var conflictId: String?
    /// Every conflict the mutation opened (one per reviewed field), for `conflict` outcomes.
    public var conflictIds: [String]?
    /// Whether this outcome was stored earlier and is being replayed for a repeated push.
    public var replayed: Bool?

    /// Makes an outcome.
    public init(
        seq: Int64?, status: Status, version: Int64? = nil, code: ErrorCode? = nil, field: String? = nil,
        message: String? = nil, conflictId: String? = nil, conflictIds: [String]? = nil, replayed: Bool? = nil
    ) {
        self.seq = seq
        self.status = status
        self.version = version
        self.code = code
        self.field = field
        self.message = message
        self.conflictId = conflictId
        self.conflictIds = conflictIds
        self.replayed = replayed
    }

    /// An applied outcome.
    public static func applied(seq: Int64, version: Int64) -> MutationResult {
        MutationResult(seq: seq, status: .applied, version: version)
    }

    /// An outcome that applied provisionally and opened `conflictIds` for review.
    public static func conflict(seq: Int64, version: Int64, conflictIds: [String]) -> MutationResult {
        MutationResult(seq: seq, status: .conflict, version: version, conflictId: conflictIds.first,
                       conflictIds: conflictIds)
    }

    /// A rejected outcome.
    public static func rejected(seq: Int64?, code: ErrorCode, field: String?, message: String) -> MutationResult {
        MutationResult(seq: seq, status: .rejected, code: code, field: field, message: message)
    }
}
