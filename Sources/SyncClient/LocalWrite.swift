import SyncModel

/// A write the app asks for, before the store numbers and stamps it into a ``Mutation``.
public struct LocalWrite: Sendable, Hashable {
    /// The collection written.
    public var collection: String
    /// The record written.
    public var recordId: String
    /// `create` or `set`.
    public var op: MutationOp
    /// The fields written.
    public var fields: [String: JSONValue]

    /// Makes a write.
    public init(collection: String, recordId: String, op: MutationOp, fields: [String: JSONValue]) {
        self.collection = collection
        self.recordId = recordId
        self.op = op
        self.fields = fields
    }
}
