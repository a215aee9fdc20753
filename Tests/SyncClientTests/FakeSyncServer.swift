import Synchronization
import SyncClient
import SyncModel

/// A small in-memory sync server for the client's tests: versions records, keeps each device's last applied
/// sequence and stored results (replayed for repeated seqs), answers gaps with `expectedSeq`, pages pulls,
/// and injects the faults the tests need. The real server is tested end to end elsewhere.
final class FakeSyncServer: Sendable {
    struct State {
        var head: Int64 = 0
        var records: [String: RecordChange] = [:]
        var lastApplied: [String: Int64] = [:]
        var results: [String: [Int64: MutationResult]] = [:]
        var applications: [String: [Int64]] = [:]
        var replays = 0
        var pageSize = 2
        var pushes = 0
        var pullCursors: [String] = []
        // Faults.
        var pushFailures: [SyncTransportError] = []
        var loseNextPushResponse = false
        var deferPushes = false
        var dropFirstMutationOnce = false
        var maxBatch: Int?
        var failPullAtPage: Int?
        var pagesServed = 0
        var inFlight = 0
        var maxInFlight = 0
    }

    let state = Mutex(State())

    /// The transport a device uses to reach this server.
    func connection(for deviceId: String) -> Connection { Connection(server: self, deviceId: deviceId) }

    struct Connection: SyncTransport {
        let server: FakeSyncServer
        let deviceId: String
        func push(_ request: PushRequest) async throws -> PushResponse { try await server.push(request) }
        func pull(cursor: String, maxBytes: Int?) async throws -> PullResponse {
            try await server.pull(deviceId: deviceId, cursor: cursor)
        }
    }

    /// An admin or another device writes a record (a new version with these fields merged in).
    func write(_ collection: CollectionName, _ id: String, _ fields: [String: JSONValue], stamp: HLCTimestamp) {
        state.withLock { state in
            var record = state.records[Self.key(collection.rawValue, id)]
                ?? RecordChange(collection: collection.rawValue, recordId: id, version: 0, deleted: false,
                                fields: [:], stamps: [:])
            for (name, value) in fields {
                record.fields[name] = value
                record.stamps[name] = stamp
            }
            state.head += 1
            record.version = state.head
            state.records[Self.key(collection.rawValue, id)] = record
        }
    }

    /// Deletes a record (a tombstone), or only takes it out of the devices' scope.
    func delete(_ collection: CollectionName, _ id: String, scopeRemovalOnly: Bool = false) {
        state.withLock { state in
            state.head += 1
            state.records[Self.key(collection.rawValue, id)] = RecordChange(
                collection: collection.rawValue, recordId: id, version: state.head, deleted: !scopeRemovalOnly,
                removed: scopeRemovalOnly ? true : nil, fields: [:], stamps: [:])
        }
    }

    /// The live records of a collection, as the server holds them.
    func records(_ collection: CollectionName) -> [RecordChange] {
        state.withLock { state in
            state.records.values.filter { $0.collection == collection.rawValue && !$0.deleted && $0.removed != true }
                .sorted { $0.recordId < $1.recordId }
        }
    }

    private static func key(_ collection: String, _ id: String) -> String { "\(collection)/\(id)" }

    private func enter() async {
        state.withLock { state in
            state.inFlight += 1
            state.maxInFlight = max(state.maxInFlight, state.inFlight)
        }
        // Give a second, overlapping caller the chance to show up.
        for _ in 0..<5 { await Task.yield() }
    }

    private func leave() { state.withLock { $0.inFlight -= 1 } }

    func push(_ request: PushRequest) async throws -> PushResponse {
        await enter()
        defer { leave() }
        let (response, lose) = try state.withLock { state -> (PushResponse, Bool) in
            state.pushes += 1
            if !state.pushFailures.isEmpty { throw state.pushFailures.removeFirst() }
            if let maxBatch = state.maxBatch, request.mutations.count > maxBatch {
                throw SyncTransportError.http(status: 413, body: APIErrorBody(code: .bodyTooLarge, message: "请求过大"))
            }
            var mutations = request.mutations
            if state.dropFirstMutationOnce && !mutations.isEmpty {
                state.dropFirstMutationOnce = false
                mutations.removeFirst()
            }
            let device = request.deviceId
            var last = state.lastApplied[device] ?? 0
            var results: [MutationResult] = []
            var expected: Int64?
            for mutation in mutations {
                if mutation.seq <= last {
                    var stored = state.results[device]?[mutation.seq] ?? MutationResult(seq: mutation.seq, status: .applied)
                    stored.replayed = true
                    state.replays += 1
                    results.append(stored)
                } else if mutation.seq != last + 1 {
                    expected = last + 1
                    break
                } else if state.deferPushes {
                    results.append(MutationResult(seq: mutation.seq, status: .retryLater))
                } else {
                    let result = Self.apply(mutation, &state)
                    state.results[device, default: [:]][mutation.seq] = result
                    state.applications[device, default: []].append(mutation.seq)
                    last = mutation.seq
                    results.append(result)
                }
            }
            state.lastApplied[device] = last
            let lose = state.loseNextPushResponse
            state.loseNextPushResponse = false
            return (PushResponse(results: results, lastAppliedSeq: last, expectedSeq: expected, serverTime: 0), lose)
        }
        if lose { throw SyncTransportError.network("connection reset after the server committed") }
        return response
    }

    private static func apply(_ mutation: Mutation, _ state: inout State) -> MutationResult {
        let key = key(mutation.collection, mutation.recordId)
        if mutation.fields["forbidden"] != nil {
            return .rejected(seq: mutation.seq, code: .readOnlyField, field: "forbidden", message: "不可写字段")
        }
        var record: RecordChange
        switch mutation.op {
        case .create:
            guard state.records[key] == nil else {
                return .rejected(seq: mutation.seq, code: .recordExists, field: nil, message: "记录已存在")
            }
            record = RecordChange(collection: mutation.collection, recordId: mutation.recordId, version: 0,
                                  deleted: false, fields: [:], stamps: [:])
        case .set:
            guard let existing = state.records[key], !existing.deleted else {
                return .rejected(seq: mutation.seq, code: .recordNotFound, field: nil, message: "记录不存在")
            }
            record = existing
        case .delete:
            return .rejected(seq: mutation.seq, code: .operationNotAllowed, field: nil, message: "不允许删除")
        }
        for (name, value) in mutation.fields where (record.stamps[name] ?? .zero) < mutation.stamp {
            record.fields[name] = value
            record.stamps[name] = mutation.stamp
        }
        state.head += 1
        record.version = state.head
        state.records[key] = record
        return .applied(seq: mutation.seq, version: state.head)
    }

    func pull(deviceId: String, cursor: String) async throws -> PullResponse {
        await enter()
        defer { leave() }
        return try state.withLock { state in
            state.pullCursors.append(cursor)
            if let failAt = state.failPullAtPage, state.pagesServed + 1 == failAt {
                state.failPullAtPage = nil
                throw SyncTransportError.network("connection lost mid-pull")
            }
            state.pagesServed += 1
            guard let from = SyncCursor(token: cursor) else {
                throw SyncTransportError.http(status: 400, body: APIErrorBody(code: .invalidCursor, message: "bad cursor"))
            }
            let newer = state.records.values.filter { $0.version > from.version }.sorted { $0.version < $1.version }
            let page = Array(newer.prefix(state.pageSize))
            let next = page.last.map { SyncCursor(version: $0.version) } ?? from
            return PullResponse(changes: page, cursor: next.token, hasMore: newer.count > page.count,
                                lastAppliedSeq: state.lastApplied[deviceId] ?? 0, head: state.head, serverTime: 0)
        }
    }
}
