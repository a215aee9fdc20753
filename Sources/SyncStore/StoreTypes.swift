import FieldDomain
import SyncEngine
import SyncModel

/// How a store obtains a scope inside its own transaction: it loads the `assignments` records of
/// `assignmentsOf` (current and ended, live and deleted) and hands them to `resolve`, which is the pure
/// `ScopeRules` (DESIGN §3.5). Loading inside the same snapshot as the data keeps the scope and the records
/// it filters consistent: a pull can never move its cursor past an assignment it did not apply.
package struct ScopeRequest: Sendable {
    /// Whose assignments to load (`nil`: none).
    package var assignmentsOf: String?
    package var resolve: @Sendable ([SyncRecord]) -> Scope

    package init(assignmentsOf: String?, resolve: @escaping @Sendable ([SyncRecord]) -> Scope) {
        self.assignmentsOf = assignmentsOf
        self.resolve = resolve
    }

    /// The scope of `principal`.
    package static func principal(_ principal: Principal) -> ScopeRequest {
        switch principal {
        case .helper(let id):
            return ScopeRequest(assignmentsOf: id) { ScopeRules.scope(for: principal, assignments: $0) }
        case .admin:
            let scope = ScopeRules.scope(for: principal, assignments: [])
            return ScopeRequest(assignmentsOf: nil) { _ in scope }
        }
    }

    /// A helper's device.
    package static func helper(_ helperId: String) -> ScopeRequest { .principal(.helper(helperId)) }

    /// Everything (admin tools and tests).
    package static let all = ScopeRequest(assignmentsOf: nil) { _ in .everything }

    /// A fixed scope (tests, benchmarks).
    package static func fixed(_ scope: Scope) -> ScopeRequest { ScopeRequest(assignmentsOf: nil) { _ in scope } }
}

/// What a store reads for one push, inside its write transaction.
package struct PushLoad: Sendable {
    package var deviceId: String
    /// The device's scope, resolved inside the transaction.
    package var scope: ScopeRequest
    /// Records the batch touches or refers to.
    package var keys: Set<RecordKey>
    /// The batch's sequence numbers (outcomes of those already applied are loaded for replay).
    package var seqs: [Int64]

    package init(deviceId: String, scope: ScopeRequest, keys: Set<RecordKey>, seqs: [Int64]) {
        self.deviceId = deviceId
        self.scope = scope
        self.keys = keys
        self.seqs = seqs
    }
}

/// One pull request as the store sees it.
package struct PullQuery: Sendable {
    package var deviceId: String
    package var scope: ScopeRequest
    /// Deliver what is at a position above this (a record at `max(position, since)`, `PullAssembler`).
    package var after: Int64
    /// Stop adding records once the page would exceed this many bytes (at least one position's worth of
    /// records is delivered).
    package var maxBytes: Int

    package init(deviceId: String, scope: ScopeRequest, after: Int64, maxBytes: Int) {
        self.deviceId = deviceId
        self.scope = scope
        self.after = after
        self.maxBytes = maxBytes
    }
}

/// One item of a pull page.
package enum PullItem: Sendable, Hashable {
    /// A record's current state (its own version, which may be below the cursor when it moved in).
    case record(SyncRecord)
    /// A record that left the device's scope, removed at `position`.
    case removed(RecordKey, position: Int64)
}

/// One page of a pull, read from one consistent snapshot.
package struct PullPage: Sendable, Hashable {
    package var items: [PullItem]
    package var hasMore: Bool
    /// The position to resume after: the last delivered item's, or the head when the page is complete.
    package var cursor: Int64
    package var head: Int64
    package var lastAppliedSeq: Int64
    /// The store's epoch: names the database, so that cursors from another one are recognised.
    package var epoch: Int64
    /// Positions at or below this may have lost tombstones and ended assignments to compaction: a cursor
    /// below it (other than the start) cannot be served.
    package var compactedThrough: Int64

    package init(items: [PullItem], hasMore: Bool, cursor: Int64, head: Int64, lastAppliedSeq: Int64,
                 epoch: Int64 = 0, compactedThrough: Int64 = 0) {
        self.items = items
        self.hasMore = hasMore
        self.cursor = cursor
        self.head = head
        self.lastAppliedSeq = lastAppliedSeq
        self.epoch = epoch
        self.compactedThrough = compactedThrough
    }

    /// The records delivered (removals left out).
    package var records: [SyncRecord] {
        items.compactMap { if case .record(let record) = $0 { return record } else { return nil } }
    }

    /// The keys removed from the device's scope.
    package var removals: [RecordKey] {
        items.compactMap { if case .removed(let key, _) = $0 { return key } else { return nil } }
    }
}

/// An enrolled device. Only the SHA-256 of its tokens' secrets is kept.
package struct DeviceRecord: Sendable, Hashable {
    package var deviceId: String
    /// The helper it belongs to, or for an admin's phone the admin account's id.
    package var helperId: String
    package var label: String?
    /// Lowercase hex SHA-256 of the access token's secret part.
    package var tokenHash: String
    package var createdAt: Int64
    /// When the access token expires (milliseconds since 1970).
    package var expiresAt: Int64
    package var revoked: Bool
    /// For an admin's phone: the role and region it pulls (nil for a helper's device).
    package var role: AdminRole?
    package var region: String?
    /// The raw Ed25519 public key registered at enrolment, base64url; nil for a device enrolled before keys.
    package var publicKey: String?
    /// Lowercase hex SHA-256 of the refresh token's secret part; nil when the device has none.
    package var refreshHash: String?
    package var refreshExpiresAt: Int64?
    /// The refresh token replaced by the last refresh: still accepted once more, until the current one is
    /// used, so that a refresh whose answer was lost can be retried (protocol/security.md §2).
    package var previousRefreshHash: String?
    /// When the device was revoked (lost phone), if it was.
    package var revokedAt: Int64?

    package init(deviceId: String, helperId: String, label: String?, tokenHash: String, createdAt: Int64,
                 expiresAt: Int64, revoked: Bool = false, role: AdminRole? = nil, region: String? = nil,
                 publicKey: String? = nil, refreshHash: String? = nil, refreshExpiresAt: Int64? = nil,
                 revokedAt: Int64? = nil, previousRefreshHash: String? = nil) {
        self.deviceId = deviceId
        self.helperId = helperId
        self.label = label
        self.tokenHash = tokenHash
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.revoked = revoked
        self.role = role
        self.region = region
        self.publicKey = publicKey
        self.refreshHash = refreshHash
        self.refreshExpiresAt = refreshExpiresAt
        self.revokedAt = revokedAt
        self.previousRefreshHash = previousRefreshHash
    }

    /// Whom the device acts for.
    package var principal: Principal {
        if let role { return .admin(id: helperId, role: role, region: region ?? "") }
        return .helper(helperId)
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

/// What a compaction purged.
package struct CompactionReport: Sendable, Hashable, Codable {
    /// Records forgotten (tombstones, ended assignments).
    package var purged: Int
    /// The new horizon: cursors below it resync.
    package var compactedThrough: Int64

    package init(purged: Int, compactedThrough: Int64) {
        self.purged = purged
        self.compactedThrough = compactedThrough
    }
}

/// Failures of a store (infrastructure, not outcomes: those are values).
package struct SyncStoreError: Error, Sendable, Hashable, CustomStringConvertible {
    package enum Code: String, Sendable { case duplicateAdmin, duplicateDevice, unknownHelper, corruptRecord, conflictNotFound, recordNotFound,
        enrolmentCodeNotFound, deviceNotFound,
        invalidConfiguration,
        /// The database cannot be reached or cannot take writes just now (nothing was committed; retry).
        unavailable,
        /// The database refused a statement for another reason (the detail names its code, not the SQL).
        database }
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

/// One batch of an in-place rewrite (`SyncStore.rewriteRecords`, `rewriteConflicts`).
package struct RewritePass: Sendable, Hashable {
    /// The last id read, where the next batch starts; nil when nothing was left to read.
    package var last: String?
    /// How many were written back.
    package var rewritten: Int

    package init(last: String?, rewritten: Int) {
        self.last = last
        self.rewritten = rewritten
    }
}
