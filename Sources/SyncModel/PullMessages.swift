/// A record as pull delivers it: its whole current state at `version`.
public struct RecordChange: Sendable, Hashable, Codable {
    public var collection: String
    public var recordId: String
    /// The change-log version of this state; versions grow in commit order.
    public var version: Int64
    /// The record was deleted (a tombstone): drop it locally.
    public var deleted: Bool
    /// The record left the device's scope (it was not deleted): drop it locally, keep the outbox.
    public var removed: Bool?
    /// The record's fields (empty for tombstones and removals).
    public var fields: [String: JSONValue]
    /// Each field's last-write stamp.
    public var stamps: [String: HLCTimestamp]
    /// Conflicts awaiting an admin's review on this record (the app shows it as "待核实"); absent when none.
    public var openConflicts: [ConflictMarker]?

    public init(collection: String, recordId: String, version: Int64, deleted: Bool, removed: Bool? = nil,
                fields: [String: JSONValue], stamps: [String: HLCTimestamp], openConflicts: [ConflictMarker]? = nil) {
        self.collection = collection
        self.recordId = recordId
        self.version = version
        self.deleted = deleted
        self.removed = removed
        self.fields = fields
        self.stamps = stamps
        self.openConflicts = openConflicts
    }
}

/// Answer to `GET /sync/pull`.
public struct PullResponse: Sendable, Hashable, Codable {
    /// Records in the device's scope changed after the request's cursor, in version order.
    public var changes: [RecordChange]
    /// The cursor to send next time (opaque).
    public var cursor: String
    /// More changes are waiting: pull again with `cursor` straight away.
    public var hasMore: Bool
    /// The device's last applied push sequence (lets the client drop acknowledged outbox entries even when
    /// it never saw the push response).
    public var lastAppliedSeq: Int64
    /// The newest version on the server when this page was read.
    public var head: Int64
    /// The server's clock, milliseconds since 1970.
    public var serverTime: Int64

    public init(changes: [RecordChange], cursor: String, hasMore: Bool, lastAppliedSeq: Int64, head: Int64,
                serverTime: Int64) {
        self.changes = changes
        self.cursor = cursor
        self.hasMore = hasMore
        self.lastAppliedSeq = lastAppliedSeq
        self.head = head
        self.serverTime = serverTime
    }
}
