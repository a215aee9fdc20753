import SyncModel

/// A local write the server refused (DESIGN §3.3), kept so the app can show it to the helper.
///
/// The server still advanced the device's sequence past it, so it has left the outbox; the original
/// mutation is kept here (when the device still had it) so the app can offer to redo the edit.
public struct RejectedWrite: Sendable, Hashable, Codable {
    /// The rejected mutation's sequence number; rejected writes are recorded once per `seq`.
    public var seq: Int64
    /// Why, as a stable code (e.g. `out_of_scope`, `invalid_id_number`).
    public var code: ErrorCode
    /// The field at fault, if one was.
    public var field: String?
    /// The server's human-readable reason.
    public var message: String
    /// The mutation as it was sent, when the device still held it.
    public var mutation: Mutation?
    /// When the device learned of the rejection (milliseconds since 1970, from the injected clock).
    public var recordedAt: Int64

    /// Makes a rejected write.
    public init(seq: Int64, code: ErrorCode, field: String?, message: String, mutation: Mutation?,
                recordedAt: Int64) {
        self.seq = seq
        self.code = code
        self.field = field
        self.message = message
        self.mutation = mutation
        self.recordedAt = recordedAt
    }
}
