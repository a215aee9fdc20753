/// One write a device made, numbered in the device's own sequence.
///
/// Every field in `fields` carries the mutation's `stamp`; the server merges field by field (DESIGN §3.7).
/// `baseVersion` is the version of the record the device had when it made the edit, so the server can tell
/// concurrent edits (same base) from sequential ones.
public struct Mutation: Sendable, Hashable, Codable {
    /// The device's sequence number: 1, 2, 3… with no gaps.
    public var seq: Int64
    /// The collection, e.g. `households`; kept as text so that unknown ones can be rejected, not dropped.
    public var collection: String
    /// The record's id (client-generated UUIDs for new members and visits).
    public var recordId: String
    /// What the mutation does.
    public var op: MutationOp
    /// The fields written (for `create`, the whole record).
    public var fields: [String: JSONValue]
    /// When the device made the edit, as its hybrid logical clock saw it.
    public var stamp: HLCTimestamp
    /// The record version the device had seen, if it had the record.
    public var baseVersion: Int64?

    /// Makes a mutation.
    public init(
        seq: Int64, collection: String, recordId: String, op: MutationOp, fields: [String: JSONValue],
        stamp: HLCTimestamp, baseVersion: Int64? = nil
    ) {
        self.seq = seq
        self.collection = collection
        self.recordId = recordId
        self.op = op
        self.fields = fields
        self.stamp = stamp
        self.baseVersion = baseVersion
    }
}
