import SyncEngine
import SyncModel

/// What a store reads for one push, inside its write transaction.
package struct PushLoad: Sendable, Hashable {
    package var deviceId: String
    package var helperId: String
    /// Records the batch touches or refers to.
    package var keys: Set<RecordKey>
    /// The batch's sequence numbers (outcomes of those already applied are loaded for replay).
    package var seqs: [Int64]

    package init(deviceId: String, helperId: String, keys: Set<RecordKey>, seqs: [Int64]) {
        self.deviceId = deviceId
        self.helperId = helperId
        self.keys = keys
        self.seqs = seqs
    }
}

/// Which records a pull may deliver.
package enum PullScope: Sendable, Hashable {
    /// A helper's device: its assigned households (with members and visits) and its own records.
    case helper(String)
    /// Everything (admin tools and tests).
    case all
}

/// One pull request as the store sees it.
package struct PullQuery: Sendable, Hashable {
    package var deviceId: String
    package var scope: PullScope
    /// Deliver records with a version above this.
    package var after: Int64
    /// Stop adding records once the page would exceed this many bytes (at least one record is delivered).
    package var maxBytes: Int

    package init(deviceId: String, scope: PullScope, after: Int64, maxBytes: Int) {
        self.deviceId = deviceId
        self.scope = scope
        self.after = after
        self.maxBytes = maxBytes
    }
}

/// One page of a pull, read from one consistent snapshot.
package struct PullPage: Sendable, Hashable {
    package var records: [SyncRecord]
    package var hasMore: Bool
    /// The version to resume after: the last delivered record's, or the head when the page is complete.
    package var cursor: Int64
    package var head: Int64
    package var lastAppliedSeq: Int64

    package init(records: [SyncRecord], hasMore: Bool, cursor: Int64, head: Int64, lastAppliedSeq: Int64) {
        self.records = records
        self.hasMore = hasMore
        self.cursor = cursor
        self.head = head
        self.lastAppliedSeq = lastAppliedSeq
    }
}

/// An enrolled device. Only the token's SHA-256 is kept.
package struct DeviceRecord: Sendable, Hashable {
    package var deviceId: String
    package var helperId: String
    package var label: String?
    /// Lowercase hex SHA-256 of the token's secret part.
    package var tokenHash: String
    package var createdAt: Int64
    package var expiresAt: Int64
    package var revoked: Bool

    package init(deviceId: String, helperId: String, label: String?, tokenHash: String, createdAt: Int64,
                 expiresAt: Int64, revoked: Bool = false) {
        self.deviceId = deviceId
        self.helperId = helperId
        self.label = label
        self.tokenHash = tokenHash
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.revoked = revoked
    }
}

/// One line of the sync log (DESIGN: every sync is recorded).
package struct SyncLogEntry: Sendable, Hashable, Codable {
    package enum Kind: String, Sendable, Hashable, Codable { case push, pull }
    package var deviceId: String
    package var kind: Kind
    /// Server time, milliseconds since 1970.
    package var at: Int64
    package var pushed: Int
    package var applied: Int
    package var rejected: Int
    package var pulled: Int
    /// The version the device reached (pull) or the head after the push.
    package var version: Int64
    package var durationMicros: Int64
    package var clientVersion: String?
    package var clockSkewClamped: Bool

    package init(deviceId: String, kind: Kind, at: Int64, pushed: Int = 0, applied: Int = 0, rejected: Int = 0,
                 pulled: Int = 0, version: Int64, durationMicros: Int64, clientVersion: String?,
                 clockSkewClamped: Bool = false) {
        self.deviceId = deviceId
        self.kind = kind
        self.at = at
        self.pushed = pushed
        self.applied = applied
        self.rejected = rejected
        self.pulled = pulled
        self.version = version
        self.durationMicros = durationMicros
        self.clientVersion = clientVersion
        self.clockSkewClamped = clockSkewClamped
    }
}

/// A device as admins see it: last sync, how far behind the head it is, what awaits attention.
package struct DeviceSyncState: Sendable, Hashable, Codable {
    package var deviceId: String
    package var helperId: String
    package var label: String?
    package var lastSyncAt: Int64?
    package var lastAppliedSeq: Int64
    /// The version its last pull reached (0 before its first pull).
    package var cursorVersion: Int64
    /// Versions behind the head.
    package var lag: Int64
    /// Rejected writes kept for admins.
    package var rejectedOpen: Int
    package var clientVersion: String?
    package var clockSkewFlagged: Bool

    package init(deviceId: String, helperId: String, label: String?, lastSyncAt: Int64?, lastAppliedSeq: Int64,
                 cursorVersion: Int64, lag: Int64, rejectedOpen: Int, clientVersion: String?, clockSkewFlagged: Bool) {
        self.deviceId = deviceId
        self.helperId = helperId
        self.label = label
        self.lastSyncAt = lastSyncAt
        self.lastAppliedSeq = lastAppliedSeq
        self.cursorVersion = cursorVersion
        self.lag = lag
        self.rejectedOpen = rejectedOpen
        self.clientVersion = clientVersion
        self.clockSkewFlagged = clockSkewFlagged
    }
}

/// A helper with the number of households assigned.
package struct HelperSummary: Sendable, Hashable, Codable {
    package var id: String
    package var name: String
    package var unit: String
    package var households: Int

    package init(id: String, name: String, unit: String, households: Int) {
        self.id = id
        self.name = name
        self.unit = unit
        self.households = households
    }
}

/// Failures of a store (infrastructure, not outcomes: those are values).
package struct SyncStoreError: Error, Sendable, Hashable, CustomStringConvertible {
    package enum Code: String, Sendable { case duplicateDevice, unknownHelper, corruptRecord, conflictNotFound, recordNotFound }
    package var code: Code
    package var detail: String
    package init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }
    package var description: String { "\(code.rawValue): \(detail)" }
}

/// Which conflicts an admin lists.
package struct ConflictQuery: Sendable, Hashable {
    /// Only conflicts with this status (`nil`: all).
    package var status: Conflict.Status?
    package var kind: Conflict.Kind?
    /// A region code prefix: a 6-digit county, 9-digit town or 12-digit village code.
    package var regionPrefix: String?
    /// Only conflicts on this record.
    package var recordId: String?
    package var limit: Int

    package init(status: Conflict.Status? = .open, kind: Conflict.Kind? = nil, regionPrefix: String? = nil,
                 recordId: String? = nil, limit: Int = 100) {
        self.status = status
        self.kind = kind
        self.regionPrefix = regionPrefix
        self.recordId = recordId
        self.limit = limit
    }

    /// Whether `conflict` is one this query lists.
    package func matches(_ conflict: Conflict) -> Bool {
        if let status, conflict.status != status { return false }
        if let kind, conflict.kind != kind { return false }
        if let recordId, conflict.recordId != recordId { return false }
        if let regionPrefix, !(conflict.villageCode ?? "").hasPrefix(regionPrefix) { return false }
        return true
    }
}
