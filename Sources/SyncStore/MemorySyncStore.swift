import Foundation
import Synchronization
import SyncEngine
import SyncModel

/// The in-memory twin of the storage port: same guarantees, no durability. Used by tests and by the
/// simulator's in-process mode. All state sits behind one `Mutex`, so every operation is a transaction.
package final class MemorySyncStore: SyncStore {
    private struct State {
        var head: Int64 = 0
        var records: [RecordKey: SyncRecord] = [:]
        var devices: [String: DeviceRecord] = [:]
        var lastApplied: [String: Int64] = [:]
        var outcomes: [String: [Int64: MutationResult]] = [:]
        var rejections: [RejectedMutation] = []
        var syncLog: [SyncLogEntry] = []
        /// Conflicts in the order they were stored.
        var conflicts: [Conflict] = []
        var conflictIndex: [String: Int] = [:]
    }

    private let state = Mutex(State())

    package init() {}

    package func migrate() async throws {}

    package func applyPush(_ load: PushLoad, planner: @escaping @Sendable (PushSnapshot) -> PushPlan) async throws -> PushPlan {
        state.withLock { state in
            var records: [RecordKey: SyncRecord] = [:]
            for key in load.keys { records[key] = state.records[key] }
            let deviceOutcomes = state.outcomes[load.deviceId] ?? [:]
            var stored: [Int64: MutationResult] = [:]
            for seq in load.seqs { stored[seq] = deviceOutcomes[seq] }
            let snapshot = PushSnapshot(
                lastAppliedSeq: state.lastApplied[load.deviceId] ?? 0, headVersion: state.head,
                storedOutcomes: stored, records: records, scope: Self.deviceScope(state, helperId: load.helperId))
            let plan = planner(snapshot)
            for record in plan.writes { state.records[RecordKey(record.collection, record.id)] = record }
            for outcome in plan.newOutcomes {
                if let seq = outcome.seq { state.outcomes[load.deviceId, default: [:]][seq] = outcome }
            }
            state.rejections.append(contentsOf: plan.rejections)
            for conflict in plan.conflicts {
                state.conflictIndex[conflict.id] = state.conflicts.count
                state.conflicts.append(conflict)
            }
            state.lastApplied[load.deviceId] = plan.lastAppliedSeq
            state.head = plan.headVersion
            return plan
        }
    }

    package func pull(_ query: PullQuery) async throws -> PullPage {
        state.withLock { state in
            let inScope: (SyncRecord) -> Bool
            switch query.scope {
            case .all:
                inScope = { _ in true }
            case .helper(let helperId):
                let households = Self.deviceScope(state, helperId: helperId).households
                inScope = { record in
                    if let household = record.scope.householdId, households.contains(household) { return true }
                    return record.scope.helperId == helperId
                }
            }
            let candidates = state.records.values
                .filter { $0.version > query.after && inScope($0) }
                .sorted { $0.version < $1.version }
            var page: [SyncRecord] = []
            var bytes = 0
            for record in candidates {
                let size = RecordCodec.wireSize(
                    fieldsBytes: RecordCodec.encodeFields(record.fields).count,
                    stampsBytes: RecordCodec.encodeStamps(record.stamps).count,
                    collection: record.collection.rawValue, id: record.id)
                if !page.isEmpty && bytes + size > query.maxBytes { break }
                page.append(record)
                bytes += size
            }
            let hasMore = page.count < candidates.count
            return PullPage(
                records: page, hasMore: hasMore, cursor: hasMore ? page.last!.version : max(state.head, query.after),
                head: state.head, lastAppliedSeq: state.lastApplied[query.deviceId] ?? 0)
        }
    }

    package func importRecords(_ records: [SyncRecord]) async throws -> Int64 {
        state.withLock { state in
            for var record in records {
                state.head += 1
                record.version = state.head
                state.records[RecordKey(record.collection, record.id)] = record
            }
            return state.head
        }
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

    package func insertDevice(_ device: DeviceRecord) async throws {
        try state.withLock { state in
            guard state.devices[device.deviceId] == nil else {
                throw SyncStoreError(.duplicateDevice, "device id taken")
            }
            guard let helper = state.records[RecordKey(.helpers, device.helperId)], !helper.deleted else {
                throw SyncStoreError(.unknownHelper, "no such helper")
            }
            state.devices[device.deviceId] = device
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
                    rejectedOpen: state.rejections.filter { $0.deviceId == device.deviceId }.count,
                    clientVersion: log.last(where: { $0.clientVersion != nil })?.clientVersion, clockSkewFlagged: log.contains { $0.clockSkewClamped })
            }
        }
    }

    package func rejections(deviceId: String?, limit: Int) async throws -> [RejectedMutation] {
        state.withLock { state in
            Array(state.rejections.reversed().filter { deviceId == nil || $0.deviceId == deviceId }.prefix(limit))
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

    private static func deviceScope(_ state: State, helperId: String) -> DeviceScope {
        var households = Set<String>()
        for record in state.records.values
        where record.collection == .assignments && !record.deleted && record.scope.helperId == helperId {
            if let household = record.scope.householdId { households.insert(household) }
        }
        var villages = Set<String>()
        for household in households {
            if let village = state.records[RecordKey(.households, household)]?.scope.villageCode {
                villages.insert(village)
            }
        }
        return DeviceScope(households: households, villages: villages)
    }

    package func conflicts(_ query: ConflictQuery) async throws -> [Conflict] {
        state.withLock { state in Array(state.conflicts.reversed().lazy.filter(query.matches).prefix(query.limit)) }
    }

    package func conflict(id: String) async throws -> Conflict? {
        state.withLock { state in state.conflictIndex[id].map { state.conflicts[$0] } }
    }

    package func resolveConflict(
        id: String,
        _ resolve: @escaping @Sendable (Conflict, SyncRecord, [Conflict], Int64) throws -> (SyncRecord?, [Conflict])
    ) async throws -> [Conflict] {
        try state.withLock { state in
            guard let index = state.conflictIndex[id] else { throw SyncStoreError(.conflictNotFound, id) }
            let conflict = state.conflicts[index]
            guard let record = state.records[RecordKey(conflict.collection, conflict.recordId)] else {
                throw SyncStoreError(.recordNotFound, conflict.recordId)
            }
            let others = state.conflicts.filter {
                $0.recordId == conflict.recordId && $0.collection == conflict.collection && $0.status == .open
                    && $0.id != id
            }
            let (updated, resolved) = try resolve(conflict, record, others, state.head + 1)
            if var updated {
                state.head += 1
                updated.version = state.head
                state.records[RecordKey(updated.collection, updated.id)] = updated
            }
            for settled in resolved {
                if let position = state.conflictIndex[settled.id] { state.conflicts[position] = settled }
            }
            return resolved
        }
    }

    package func updateRecord(
        _ key: RecordKey, _ change: @escaping @Sendable (SyncRecord, Int64) throws -> SyncRecord
    ) async throws -> SyncRecord {
        try state.withLock { state in
            guard let record = state.records[key] else { throw SyncStoreError(.recordNotFound, key.description) }
            var updated = try change(record, state.head + 1)
            state.head += 1
            updated.version = state.head
            state.records[key] = updated
            return updated
        }
    }
}
