import Foundation
import Testing
@testable import SyncClient
import SyncModel

@Suite("LocalStore adapters")
struct LocalStoreTests {
    @Test func outboxSurvivesReopenedSQLiteStore() async throws {
        let path = try StoreKind.temporaryDatabasePath()
        let server = FakeSyncServer()
        do {
            let device = Device(store: try SQLiteLocalStore(path: path), server: server)
            for index in 0..<3 { try await device.client.recordVisit(.sample(notes: "离线\(index)")) }
        }

        let reopened = try SQLiteLocalStore(path: path)
        let state = try await reopened.prepare(deviceId: "dev-1")
        #expect(state.nextSeq == 4)
        #expect(state.lastStamp.node == "dev-1")
        let pending = try await reopened.pendingMutations(fromSeq: 0, limit: 100)
        #expect(pending.map(\.seq) == [1, 2, 3])
        #expect(pending.map { $0.fields["notes"] } == ["离线0", "离线1", "离线2"])

        let device = Device(store: reopened, server: server)
        try await device.client.sync()
        #expect(try await reopened.pendingCount() == 0)
        #expect(server.records(.visits).count == 3)
        #expect(try await device.client.visits().count == 3)
    }

    @Test(arguments: StoreKind.allCases)
    func enqueueNumbersAndStampsInOrder(kind: StoreKind) async throws {
        let store = try kind.make()
        _ = try await store.prepare(deviceId: "dev-9")
        let first = try await store.enqueue(LocalWrite(collection: "visits", recordId: "v1", op: .create,
                                                       fields: ["notes": "a/b"]), now: 5000)
        let second = try await store.enqueue(LocalWrite(collection: "visits", recordId: "v2", op: .create,
                                                        fields: [:]), now: 4000)
        #expect(first.seq == 1 && second.seq == 2)
        #expect(first.stamp < second.stamp)
        #expect(second.stamp == HLCTimestamp(physical: 5000, logical: 1, node: "dev-9"))
        #expect(try await store.syncState().nextSeq == 3)
    }

    @Test(arguments: StoreKind.allCases)
    func storeRefusesAnotherDevice(kind: StoreKind) async throws {
        let store = try kind.make()
        _ = try await store.prepare(deviceId: "dev-1")
        await #expect(throws: LocalStoreError.deviceMismatch) { try await store.prepare(deviceId: "dev-2") }
    }

    @Test(arguments: StoreKind.allCases)
    func repeatedRejectionIsRecordedOnce(kind: StoreKind) async throws {
        let store = try kind.make()
        _ = try await store.prepare(deviceId: "dev-1")
        let mutation = try await store.enqueue(LocalWrite(collection: "households", recordId: "h1", op: .set,
                                                          fields: ["forbidden": 1]), now: 1000)
        let rejection = MutationResult.rejected(seq: mutation.seq, code: .readOnlyField, field: "forbidden",
                                                message: "不可写")
        var replayed = rejection
        replayed.replayed = true

        #expect(try await store.acknowledge(upTo: 1, results: [rejection], now: 2000) == 1)
        #expect(try await store.acknowledge(upTo: 1, results: [replayed], now: 3000) == 0)
        try await store.dismissRejectedWrite(seq: 1)
        #expect(try await store.acknowledge(upTo: 1, results: [replayed], now: 4000) == 0)
        #expect(try await store.rejectedWrites().isEmpty)
        #expect(try await store.pendingCount() == 0)
        #expect(try await store.syncState().lastAppliedSeq == 1)
    }

    @Test(arguments: StoreKind.allCases)
    func rejectedWriteKeepsItsMutation(kind: StoreKind) async throws {
        let store = try kind.make()
        _ = try await store.prepare(deviceId: "dev-1")
        let mutation = try await store.enqueue(LocalWrite(collection: "members", recordId: "h1-m-1", op: .create,
                                                          fields: ["idNumber": "bad"]), now: 1000)
        try await store.acknowledge(upTo: 1, results: [
            .rejected(seq: 1, code: .invalidIdNumber, field: "idNumber", message: "身份证号校验失败"),
        ], now: 2000)
        let rejected = try await store.rejectedWrites()
        #expect(rejected == [RejectedWrite(seq: 1, code: .invalidIdNumber, field: "idNumber",
                                           message: "身份证号校验失败", mutation: mutation, recordedAt: 2000)])
    }

    @Test(arguments: StoreKind.allCases)
    func pullPageTrimsAcknowledgedOutboxAndKeepsTheRest(kind: StoreKind) async throws {
        let store = try kind.make()
        _ = try await store.prepare(deviceId: "dev-1")
        for id in ["v1", "v2", "v3"] {
            _ = try await store.enqueue(LocalWrite(collection: "visits", recordId: id, op: .create, fields: [:]),
                                        now: 1000)
        }
        let page = PullResponse(changes: [
            RecordChange(collection: "visits", recordId: "v1", version: 7, deleted: false, fields: ["n": 1],
                         stamps: ["n": stamp(1000, "dev-1")]),
            RecordChange(collection: "visits", recordId: "v3", version: 8, deleted: false, removed: true,
                         fields: [:], stamps: [:]),
        ], cursor: SyncCursor(version: 8).token, hasMore: false, lastAppliedSeq: 2, head: 8, serverTime: 0)
        try await store.applyPullPage(page, now: 2000)

        let state = try await store.syncState()
        #expect(state.cursor == SyncCursor(version: 8).token)
        #expect(state.lastAppliedSeq == 2)
        #expect(try await store.pendingMutations(fromSeq: 0, limit: 10).map(\.seq) == [3])
        let snapshot = try await store.snapshot(collection: "visits", recordId: nil)
        #expect(snapshot.confirmed.map(\.id) == ["v1"])
        #expect(LocalView.records(snapshot).map(\.id) == ["v1", "v3"])
    }

    @Test(arguments: StoreKind.allCases)
    func fieldsRoundTripLosslessly(kind: StoreKind) async throws {
        let store = try kind.make()
        _ = try await store.prepare(deviceId: "dev-1")
        let fields: [String: JSONValue] = [
            "income": 12345, "ratio": 0.5, "name": "张/三", "tags": ["a", 1, nil], "nested": ["x": ["y": true]],
            "unknownFutureField": "kept",
        ]
        let page = PullResponse(changes: [
            RecordChange(collection: "households", recordId: "h1", version: 1, deleted: false, fields: fields,
                         stamps: ["income": stamp(1)]),
        ], cursor: SyncCursor(version: 1).token, hasMore: false, lastAppliedSeq: 0, head: 1, serverTime: 0)
        try await store.applyPullPage(page, now: 0)
        let confirmed = try await store.snapshot(collection: "households", recordId: "h1").confirmed
        #expect(confirmed.first?.fields == fields)
        #expect(confirmed.first?.stamps == ["income": stamp(1)])
    }
}
