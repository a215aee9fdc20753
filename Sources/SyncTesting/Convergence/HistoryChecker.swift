import SyncClient
import SyncEngine
import SyncModel
import SyncService
import SyncStore

/// The checks of a randomized history; each returns its failures (empty when it holds).
struct HistoryChecker: Sendable {
    let service: SyncService
    let store: any SyncStore
    let fleet: [ConvergenceHistory.Device]

    static let collections: [CollectionName] = [.households, .members, .visits, .assignments, .helpers, .regions]

    /// Every device's view equals a fresh pull of its scope from the server: same records, versions,
    /// fields and open-conflict markers, and nothing left in any outbox.
    func devicesMatchServer(stage: String) async throws -> [String] {
        var failures: [String] = []
        for device in fleet {
            let id = String(device.id.prefix(8))
            let pending = try await device.client.pendingCount()
            if pending != 0 { failures.append("\(stage): device \(id) still has \(pending) unsent mutations") }
            let view = try await serverView(session: device.session)
            var local: [RecordKey: LocalRecord] = [:]
            for collection in Self.collections {
                for record in try await device.client.records(in: collection) {
                    local[RecordKey(collection, record.id)] = record
                }
            }
            if Set(view.keys) != Set(local.keys) {
                let missing = Set(view.keys).subtracting(local.keys).map(\.description).sorted().prefix(3)
                let extra = Set(local.keys).subtracting(view.keys).map(\.description).sorted().prefix(3)
                failures.append("\(stage): device \(id) records differ: missing \(Array(missing)), extra \(Array(extra))")
            }
            for (key, change) in view {
                guard let mine = local[key] else { continue }
                if mine.version != change.version || mine.fields != change.fields {
                    failures.append("\(stage): device \(id) \(key) is v\(mine.version ?? -1), server v\(change.version)")
                }
                if mine.openConflicts != (change.openConflicts ?? []) {
                    failures.append("\(stage): device \(id) \(key) markers \(mine.openConflicts.map(\.id)) ≠ server's")
                }
            }
        }
        return failures
    }

    /// Every device holds exactly its scope as the history stated it (`HistoryScopes`), no more, no less:
    /// checked against every record on the server, not against what the server's own rules deliver.
    func devicesHoldExactlyTheirScope(_ scopes: HistoryScopes, stage: String) async throws -> [String] {
        var failures: [String] = []
        let records = try await allRecords().filter { !$0.deleted && Self.collections.contains($0.collection) }
        for device in fleet {
            let expected = Set(records.filter { scopes.contains(device.holder, $0.scope) }
                .map { RecordKey($0.collection, $0.id) })
            var held = Set<RecordKey>()
            for collection in Self.collections {
                for record in try await device.client.records(in: collection) { held.insert(RecordKey(collection, record.id)) }
            }
            if held != expected {
                let missing = expected.subtracting(held).map(\.description).sorted().prefix(3)
                let extra = held.subtracting(expected).map(\.description).sorted().prefix(3)
                failures.append("\(stage): device \(device.id.prefix(8)) holds not exactly its scope: missing \(Array(missing)), extra \(Array(extra))")
            }
        }
        return failures
    }

    /// The server holds what the reference model says: every field, every tombstone, exactly the hard and
    /// deleted conflicts the rules open (each a genuine concurrent difference), markers on the right records,
    /// and every accepted visit exactly once.
    func serverMatchesModel(_ model: ReferenceModel) async throws -> [String] {
        var failures: [String] = []
        for (key, fields) in model.fields.sorted(by: { $0.key.description < $1.key.description }) {
            guard let record = try await store.record(key) else {
                failures.append("server lost \(key)")
                continue
            }
            if model.deleted[key] != nil {
                if !record.deleted { failures.append("\(key) should be deleted") }
                continue
            }
            for (name, state) in fields.sorted(by: { $0.key < $1.key }) where (record.fields[name] ?? .null) != state.value {
                failures.append("\(key).\(name) is \(record.fields[name] ?? .null), the rules say \(state.value) (lost write?)")
            }
        }
        let conflicts = try await store.conflicts(ConflictQuery(status: nil, limit: .max))
        let hard = conflicts.filter { $0.kind == .hard }
        let hardIds = Set(hard.map(\.id))
        let expectedHard = Set(model.expectedHard.keys)
        if hardIds != expectedHard {
            failures.append("hard conflicts: unexpected \(hardIds.subtracting(expectedHard).sorted().prefix(3)), missing \(expectedHard.subtracting(hardIds).sorted().prefix(3))")
        }
        if hard.count != hardIds.count { failures.append("a hard conflict was stored twice") }
        let deletedIds = Set(conflicts.filter { $0.kind == .deleted }.map(\.id))
        if deletedIds != model.expectedDeleted {
            failures.append("deleted conflicts \(deletedIds.sorted().prefix(3)) ≠ expected \(model.expectedDeleted.sorted().prefix(3))")
        }
        for conflict in hard {
            if conflict.existing.deviceId == conflict.incoming.deviceId {
                failures.append("\(conflict.id): both sides by one device")
            }
            if conflict.existing.value == conflict.incoming.value { failures.append("\(conflict.id): both sides equal") }
            if (conflict.existing.version ?? 0) <= conflict.baseVersion {
                failures.append("\(conflict.id): the existing side was already seen (v\(conflict.existing.version ?? 0) ≤ base \(conflict.baseVersion))")
            }
        }
        var markers: [RecordKey: Set<String>] = [:]
        for conflict in hard where conflict.status == .open {
            markers[RecordKey(conflict.collection, conflict.recordId), default: []].insert(conflict.id)
        }
        let records = try await allRecords()
        for record in records where record.collection == .households || record.collection == .members {
            let key = RecordKey(record.collection, record.id)
            if Set(record.openConflicts.map(\.id)) != markers[key] ?? [] {
                failures.append("\(key): markers \(record.openConflicts.map(\.id)) ≠ open conflicts \(markers[key]?.sorted() ?? [])")
            }
        }
        let visits = records.filter { $0.collection == .visits }
        if visits.count != model.acceptedVisits.count {
            failures.append("server has \(visits.count) visits, \(model.acceptedVisits.count) were accepted")
        }
        for visit in visits where model.acceptedVisits[visit.id] != visit.fields["deviceId"]?.stringValue {
            failures.append("visit \(visit.id) was not accepted from device \(visit.fields["deviceId"]?.stringValue ?? "?")")
        }
        return failures
    }

    /// After review: nothing open, no markers anywhere, and each resolution's value (or restoration) holds.
    func reviewSettled(_ review: HistoryScript.Review) async throws -> [String] {
        var failures: [String] = []
        let open = try await store.conflicts(ConflictQuery(status: .open, limit: .max))
        if !open.isEmpty { failures.append("after review \(open.count) conflicts are still open") }
        for record in try await allRecords() where !record.openConflicts.isEmpty {
            failures.append("after review \(record.collection.rawValue)/\(record.id) still shows 待核实")
        }
        for (key, deleted) in review.deleted {
            if try await store.record(key)?.deleted != deleted {
                failures.append("after review \(key) should \(deleted ? "stay deleted" : "be restored")")
            }
        }
        for (key, fields) in review.values {
            guard let record = try await store.record(key), !record.deleted else { continue }
            for (name, value) in fields where (record.fields[name] ?? .null) != value {
                failures.append("after review \(key).\(name) is \(record.fields[name] ?? .null), resolved to \(value)")
            }
        }
        return failures
    }

    private func serverView(session: DeviceSession) async throws -> [RecordKey: RecordChange] {
        try await ServerView.fetch(InProcessTransport(service: service, session: session))
    }

    private func allRecords() async throws -> [SyncRecord] {
        var records: [SyncRecord] = []
        var after: Int64 = 0
        while true {
            let page = try await store.pull(PullQuery(deviceId: "", scope: .all, after: after, maxBytes: 1 << 30))
            records += page.records
            after = page.cursor
            if !page.hasMore { return records }
        }
    }
}
