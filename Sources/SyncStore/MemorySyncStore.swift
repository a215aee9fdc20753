import Foundation
import Synchronization
import SyncEngine
import SyncModel

/// The in-memory twin of the storage port: same guarantees, no durability. Used by tests and by the
/// simulator's in-process mode. All state sits behind one `Mutex`, so every operation is a transaction.
package final class MemorySyncStore: SyncStore {
    struct State {
        var head: Int64 = 0
        var compactedThrough: Int64 = 0
        var records: [RecordKey: SyncRecord] = [:]
        var devices: [String: DeviceRecord] = [:]
        var enrolmentCodes: [String: EnrolmentCode] = [:]
        var admins: [String: AdminAccount] = [:]
        var lastApplied: [String: Int64] = [:]
        var outcomes: [String: [Int64: MutationResult]] = [:]
        var rejections: [RejectedMutation] = []
        var syncLog: [SyncLogEntry] = []
        /// Conflicts in the order they were stored.
        var conflicts: [Conflict] = []
        var conflictIndex: [String: Int] = [:]
        /// Scope indexes, so that a pull costs O(records in scope), not O(county): records by household,
        /// household-less records by helper, and by log position (for region and whole-log walks).
        var byHousehold: [String: Set<RecordKey>] = [:]
        var ownedBy: [String: Set<RecordKey>] = [:]
        var assignmentsOf: [String: Set<RecordKey>] = [:]
        var byPosition: [Int64: RecordKey] = [:]
        /// The audit log, chained as it is appended (one writer: the lock).
        var audit: [AuditRecord] = []
        var auditHead = AuditHead.empty
        /// The card ledger: cards by id, each household's cards in issue order, projected states.
        var cards: [String: IssuedCard] = [:]
        var cardsOf: [String: [String]] = [:]
        var cardStates: [String: (state: HouseholdCardState, through: Int64)] = [:]
        var cardProjection: Int64 = 0
        var revocationCounters: [String: Int64] = [:]

        /// Chains `entries` after the head and keeps them.
        mutating func appendAudit(_ entries: [AuditEntry]) {
            guard !entries.isEmpty else { return }
            let (records, head) = AuditChain.link(entries.map(\.body), after: auditHead)
            audit += records
            auditHead = head
        }

        /// Stores `record` (its version already set) at the next log position and keeps the indexes in step.
        mutating func put(_ written: SyncRecord) {
            var record = written
            head += 1
            record.position = head
            let key = RecordKey(record.collection, record.id)
            if let old = records[key] { unindex(old, key: key) }
            records[key] = record
            if let household = record.scope.householdId {
                byHousehold[household, default: []].insert(key)
            } else if let helper = record.scope.helperId {
                ownedBy[helper, default: []].insert(key)
            }
            if record.collection == .assignments, let helper = record.scope.helperId {
                assignmentsOf[helper, default: []].insert(key)
            }
            byPosition[record.position] = key
        }

        /// Forgets `key` entirely (compaction).
        mutating func remove(_ key: RecordKey) {
            guard let old = records.removeValue(forKey: key) else { return }
            unindex(old, key: key)
        }

        private mutating func unindex(_ old: SyncRecord, key: RecordKey) {
            if let household = old.scope.householdId { byHousehold[household]?.remove(key) }
            if let helper = old.scope.helperId {
                ownedBy[helper]?.remove(key)
                assignmentsOf[helper]?.remove(key)
            }
            if byPosition[old.position] == key { byPosition[old.position] = nil }
        }

        func assignments(_ helper: String?) -> [SyncRecord] {
            guard let helper else { return [] }
            return (assignmentsOf[helper] ?? []).compactMap { records[$0] }
        }
    }

    /// Every operation holds this lock for its whole length: that is the store's transaction.
    let state = Mutex(State())
    private let epoch: Int64
    package let logAdvances = LogBroadcaster()

    /// - Parameter epoch: names this store in cursors (a fixed number keeps seeded histories replayable).
    package init(epoch: Int64 = 1) { self.epoch = epoch }

    package func migrate() async throws {}

    package func applyPush(_ load: PushLoad, planner: @escaping @Sendable (PushSnapshot) -> PushPlan) async throws -> PushPlan {
        let plan = try state.withLock { state in
            var records: [RecordKey: SyncRecord] = [:]
            for key in load.keys { records[key] = state.records[key] }
            let deviceOutcomes = state.outcomes[load.deviceId] ?? [:]
            var stored: [Int64: MutationResult] = [:]
            for seq in load.seqs { stored[seq] = deviceOutcomes[seq] }
            let snapshot = PushSnapshot(
                lastAppliedSeq: state.lastApplied[load.deviceId] ?? 0,
                storedOutcomes: stored, records: records,
                scope: load.scope.resolve(state.assignments(load.scope.assignmentsOf)))
            let plan = planner(snapshot)
            // Checked before anything changes: with no rollback here, a plan a store refuses writes nothing.
            _ = try plan.numberedOutcomes()
            for record in plan.writes { state.put(record) }
            state.appendAudit(plan.audit)
            for outcome in plan.newOutcomes {
                if let seq = outcome.seq { state.outcomes[load.deviceId, default: [:]][seq] = outcome }
            }
            for var rejection in plan.rejections {
                rejection.id = Int64(state.rejections.count + 1)
                state.rejections.append(rejection)
            }
            for conflict in plan.conflicts {
                state.conflictIndex[conflict.id] = state.conflicts.count
                state.conflicts.append(conflict)
            }
            state.lastApplied[load.deviceId] = plan.lastAppliedSeq
            return plan
        }
        if !plan.writes.isEmpty { logAdvances.publish(LogAdvance(records: plan.writes)) }
        return plan
    }

    package func pull(_ query: PullQuery) async throws -> PullPage {
        try state.withLock { state in
            let scope = query.scope.resolve(state.assignments(query.scope.assignmentsOf))
            let assembler = PullAssembler(scope: scope, after: query.after, maxBytes: query.maxBytes)
            func sized(_ record: SyncRecord) -> PullAssembler.Sized {
                (record, RecordCodec.wireSize(
                    fieldsBytes: RecordCodec.encodeFields(record.fields).count,
                    stampsBytes: RecordCodec.encodeStamps(record.stamps).count,
                    collection: record.collection.rawValue, id: record.id))
            }
            let movedIn = assembler.movedInHouseholds.flatMap { household in
                (state.byHousehold[household] ?? []).compactMap { state.records[$0] }.map(sized)
            }
            let movedOut = assembler.movedOutHouseholds.flatMap { household in
                (state.byHousehold[household] ?? []).map { (key: $0, householdId: household) }
            }
            // The ordinary log in scope: through the household and owner indexes for a helper, through the
            // position index for a region (whose cost follows the changes since the cursor).
            let candidates: [SyncRecord]
            if scope.regionPrefixes.isEmpty {
                var keys = Set<RecordKey>()
                for household in scope.households.keys { keys.formUnion(state.byHousehold[household] ?? []) }
                if let owner = scope.owner { keys.formUnion(state.ownedBy[owner] ?? []) }
                candidates = keys.compactMap { state.records[$0] }
                    .filter { $0.position > query.after && scope.contains($0.scope) }
                    .sorted { $0.position < $1.position }
            } else {
                candidates = (max(query.after, 0) + 1 ..< max(query.after, 0, state.head) + 1)
                    .compactMap { state.byPosition[$0].flatMap { state.records[$0] } }
                    .filter { scope.contains($0.scope) }
            }
            let page = try assembler.assemble(movedIn: movedIn, movedOut: movedOut) { afterPosition, limit in
                // Binary search: the candidates are sorted by position.
                var low = 0, high = candidates.count
                while low < high {
                    let middle = (low + high) / 2
                    if candidates[middle].position <= afterPosition { low = middle + 1 } else { high = middle }
                }
                return candidates[low...].prefix(limit).map(sized)
            }
            return PullPage(
                items: page.items, hasMore: page.hasMore,
                cursor: page.hasMore ? page.lastPosition! : max(state.head, query.after),
                head: state.head, lastAppliedSeq: state.lastApplied[query.deviceId] ?? 0, epoch: epoch,
                compactedThrough: state.compactedThrough)
        }
    }

    package func compact(collections: Set<CollectionName>, audit: @escaping @Sendable (CompactionReport) -> [AuditEntry],
                         _ purgeable: @escaping @Sendable (SyncRecord) -> Bool) async throws -> CompactionReport
    {
        state.withLock { state in
            let doomed = state.records.values.filter { ($0.deleted || collections.contains($0.collection)) && purgeable($0) }
            for record in doomed {
                state.remove(RecordKey(record.collection, record.id))
                state.compactedThrough = max(state.compactedThrough, record.position)
            }
            let report = CompactionReport(purged: doomed.count, compactedThrough: state.compactedThrough)
            state.appendAudit(audit(report))
            return report
        }
    }

    package func importRecords(_ records: [SyncRecord], audit: [AuditEntry]) async throws -> Int64 {
        let head = state.withLock { state in
            for var record in records {
                record.version = (state.records[RecordKey(record.collection, record.id)]?.version ?? 0) + 1
                state.put(record)
            }
            state.appendAudit(audit)
            return state.head
        }
        if !records.isEmpty { logAdvances.publish(LogAdvance(records: records)) }
        return head
    }

    package func record(_ key: RecordKey) async throws -> SyncRecord? {
        state.withLock { $0.records[key] }
    }

    package func count(_ collection: CollectionName) async throws -> Int {
        state.withLock { state in state.records.values.filter { $0.collection == collection && !$0.deleted }.count }
    }

    package func headVersion() async throws -> Int64 {
        state.withLock { $0.head }
    }

    package func insertDevice(_ device: DeviceRecord, audit: [AuditEntry]) async throws {
        try state.withLock { state in
            try Self.insert(device, into: &state)
            state.appendAudit(audit)
        }
    }

    private static func insert(_ device: DeviceRecord, into state: inout State) throws {
        guard state.devices[device.deviceId] == nil else {
            throw SyncStoreError(.duplicateDevice, "device id taken")
        }
        // An admin's phone belongs to an admin account, which the service has checked.
        guard device.role != nil || state.records[RecordKey(.helpers, device.helperId)].map({ !$0.deleted }) == true else {
            throw SyncStoreError(.unknownHelper, "no such helper")
        }
        state.devices[device.deviceId] = device
    }

    package func insertEnrolmentCode(_ code: EnrolmentCode, audit: [AuditEntry]) async throws {
        state.withLock { state in
            state.enrolmentCodes[code.codeHash] = code
            state.appendAudit(audit)
        }
    }

    package func redeemEnrolmentCode(hash codeHash: String, at now: Int64,
                                     audit: @escaping @Sendable (_ enrolled: DeviceRecord) -> [AuditEntry],
                                     _ redeem: @escaping @Sendable (EnrolmentCode) throws -> DeviceRecord) async throws
        -> DeviceRecord
    {
        try state.withLock { state in
            guard var code = state.enrolmentCodes[codeHash] else {
                throw SyncStoreError(.enrolmentCodeNotFound, "no such enrolment code")
            }
            let device = try redeem(code)
            try Self.insert(device, into: &state)
            code.usedAt = now
            code.deviceId = device.deviceId
            state.enrolmentCodes[codeHash] = code
            state.appendAudit(audit(device))
            return device
        }
    }

    package func updateDevice(id: String, audit: @escaping @Sendable (_ before: DeviceRecord, _ after: DeviceRecord) -> [AuditEntry],
                              _ change: @escaping @Sendable (DeviceRecord) throws -> DeviceRecord) async throws -> DeviceRecord
    {
        try state.withLock { state in
            guard let device = state.devices[id] else { throw SyncStoreError(.deviceNotFound, "no such device") }
            let changed = try change(device)
            var written = device
            written.tokenHash = changed.tokenHash
            written.expiresAt = changed.expiresAt
            written.refreshHash = changed.refreshHash
            written.refreshExpiresAt = changed.refreshExpiresAt
            written.previousRefreshHash = changed.previousRefreshHash
            written.revoked = changed.revoked
            written.revokedAt = changed.revokedAt
            state.devices[id] = written
            state.appendAudit(audit(device, written))
            return written
        }
    }

    package func device(id: String) async throws -> DeviceRecord? {
        state.withLock { $0.devices[id] }
    }

    package func appendSyncLog(_ entries: [SyncLogEntry]) async throws {
        state.withLock { $0.syncLog.append(contentsOf: entries) }
    }

    package func deviceStates() async throws -> [DeviceSyncState] {
        state.withLock { state in
            state.devices.values.sorted { $0.deviceId < $1.deviceId }.map { device in
                let log = state.syncLog.filter { $0.deviceId == device.deviceId }
                let cursor = log.last(where: { $0.kind == .pull })?.version ?? 0
                return DeviceSyncState(
                    deviceId: device.deviceId, helperId: device.helperId, label: device.label,
                    lastSyncAt: log.map(\.at).max(), lastAppliedSeq: state.lastApplied[device.deviceId] ?? 0,
                    cursorVersion: cursor, lag: max(0, state.head - cursor),
                    rejectedOpen: state.rejections.filter { $0.deviceId == device.deviceId && !$0.resolved }.count,
                    clientVersion: log.last(where: { $0.clientVersion != nil })?.clientVersion, clockSkewFlagged: log.contains { $0.clockSkewClamped })
            }
        }
    }

    package func rejections(deviceIds: Set<String>?, limit: Int) async throws -> [RejectedMutation] {
        state.withLock { state in
            Array(state.rejections.reversed().lazy.filter { deviceIds?.contains($0.deviceId) ?? true }.prefix(limit))
        }
    }

    package func rejection(id: Int64) async throws -> RejectedMutation? {
        state.withLock { state in state.rejections.indices.contains(Int(id) - 1) ? state.rejections[Int(id) - 1] : nil }
    }

    package func resolveRejection(id: Int64) async throws -> RejectedMutation? {
        state.withLock { state in
            // Ids are positions in the list, which only grows.
            guard state.rejections.indices.contains(Int(id) - 1) else { return nil }
            state.rejections[Int(id) - 1].resolved = true
            return state.rejections[Int(id) - 1]
        }
    }

    package func helpers(limit: Int, offset: Int) async throws -> (helpers: [HelperSummary], total: Int) {
        state.withLock { state in
            let helpers = state.records.values.filter { $0.collection == .helpers && !$0.deleted }
                .sorted { $0.id < $1.id }
            var counts: [String: Int] = [:]
            for record in state.records.values where record.collection == .assignments && !record.deleted {
                if let helperId = record.scope.helperId { counts[helperId, default: 0] += 1 }
            }
            let page = helpers.dropFirst(offset).prefix(limit).map { record in
                HelperSummary(id: record.id, name: record.fields["name"]?.stringValue ?? "",
                              unit: record.fields["unit"]?.stringValue ?? "", households: counts[record.id] ?? 0)
            }
            return (Array(page), helpers.count)
        }
    }

    package func conflicts(_ query: ConflictQuery) async throws -> [Conflict] {
        state.withLock { state in Array(state.conflicts.reversed().lazy.filter(query.matches).prefix(query.limit)) }
    }

    package func conflict(id: String) async throws -> Conflict? {
        state.withLock { state in state.conflictIndex[id].map { state.conflicts[$0] } }
    }

    package func resolveConflict(
        id: String,
        audit: @escaping @Sendable (_ before: SyncRecord, _ after: SyncRecord?, _ settled: [Conflict]) -> [AuditEntry],
        _ resolve: @escaping @Sendable (Conflict, SyncRecord, [Conflict]) throws -> (SyncRecord?, [Conflict])
    ) async throws -> [Conflict] {
        let (resolved, written) = try state.withLock { state in
            guard let index = state.conflictIndex[id] else { throw SyncStoreError(.conflictNotFound, id) }
            let conflict = state.conflicts[index]
            guard let record = state.records[RecordKey(conflict.collection, conflict.recordId)] else {
                throw SyncStoreError(.recordNotFound, conflict.recordId)
            }
            let others = state.conflicts.filter {
                $0.recordId == conflict.recordId && $0.collection == conflict.collection && $0.status == .open
                    && $0.id != id
            }
            var (updated, resolved) = try resolve(conflict, record, others)
            updated?.version = record.version + 1
            if let updated { state.put(updated) }
            for settled in resolved {
                if let position = state.conflictIndex[settled.id] { state.conflicts[position] = settled }
            }
            state.appendAudit(audit(record, updated, resolved))
            return (resolved, updated)
        }
        if let written { logAdvances.publish(LogAdvance(records: [written])) }
        return resolved
    }

    package func updateRecord(
        _ key: RecordKey, audit: @escaping @Sendable (_ before: SyncRecord, _ after: SyncRecord) -> [AuditEntry],
        _ change: @escaping @Sendable (SyncRecord) throws -> SyncRecord
    ) async throws -> SyncRecord {
        let written = try state.withLock { state in
            guard let record = state.records[key] else { throw SyncStoreError(.recordNotFound, key.description) }
            var updated = try change(record)
            updated.version = record.version + 1
            state.put(updated)
            state.appendAudit(audit(record, updated))
            return state.records[key]!
        }
        logAdvances.publish(LogAdvance(records: [written]))
        return written
    }

    package func insertAdmin(_ account: AdminAccount, audit: [AuditEntry]) async throws {
        try state.withLock { state in
            guard state.admins[account.id] == nil else { throw SyncStoreError(.duplicateAdmin, "admin id taken") }
            state.admins[account.id] = account
            state.appendAudit(audit)
        }
    }

    package func admin(id: String) async throws -> AdminAccount? {
        state.withLock { $0.admins[id] }
    }

    package func admins() async throws -> [AdminAccount] {
        state.withLock { $0.admins.values.sorted { $0.id < $1.id } }
    }

    package func setAdminDisabled(id: String, _ disabled: Bool, audit: [AuditEntry]) async throws -> Bool {
        state.withLock { state in
            guard state.admins[id] != nil else { return false }
            state.admins[id]?.disabled = disabled
            state.appendAudit(audit)
            return true
        }
    }

    package func householdsAssigned(to helperId: String) async throws -> Set<String> {
        state.withLock { state in
            Set((state.assignmentsOf[helperId] ?? []).compactMap { key in
                guard let record = state.records[key], !record.deleted else { return nil }
                return record.scope.householdId
            })
        }
    }

    package func helpersAssigned(to households: Set<String>) async throws -> [String: Set<String>] {
        state.withLock { state in
            var helpers: [String: Set<String>] = [:]
            for household in households {
                for key in state.byHousehold[household] ?? [] where key.collection == .assignments {
                    guard let record = state.records[key], !record.deleted, let helper = record.scope.helperId else { continue }
                    helpers[household, default: []].insert(helper)
                }
            }
            return helpers
        }
    }

    package func helperIds(inRegion regionPrefix: String) async throws -> Set<String> {
        state.withLock { state in
            var helpers = Set<String>()
            for (helper, keys) in state.assignmentsOf {
                if keys.contains(where: { key in
                    guard let record = state.records[key], !record.deleted else { return false }
                    return (record.scope.villageCode ?? "").hasPrefix(regionPrefix)
                }) { helpers.insert(helper) }
            }
            return helpers
        }
    }
}
