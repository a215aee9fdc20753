import Testing
@testable import SyncClient
import SyncModel

@Suite("SyncClient push and pull against a fake server")
struct SyncClientSyncTests {
    @Test(arguments: StoreKind.allCases)
    func lostPushResponseIsReplayedWithoutDuplicates(kind: StoreKind) async throws {
        let server = FakeSyncServer()
        let device = Device(store: try kind.make(), server: server)
        for index in 0..<3 { try await device.client.recordVisit(.sample(notes: "第\(index)次")) }
        server.state.withLock { $0.loseNextPushResponse = true }

        await #expect(throws: SyncError.self) { try await device.client.sync() }
        #expect(try await device.client.pendingCount() == 3)

        let report = try await device.client.sync()
        #expect(report.acknowledged == 3)
        #expect(try await device.client.pendingCount() == 0)
        let (applications, replays) = server.state.withLock { ($0.applications["dev-1"] ?? [], $0.replays) }
        #expect(applications == [1, 2, 3])
        #expect(replays == 3)
        #expect(server.records(.visits).count == 3)
        #expect(try await device.client.visits().count == 3)
    }

    @Test(arguments: StoreKind.allCases)
    func lostPushResponseIsRetriedWithinOneSync(kind: StoreKind) async throws {
        let server = FakeSyncServer()
        let device = Device(store: try kind.make(), server: server, policy: RetryPolicy(maxAttempts: 3))
        try await device.client.recordVisit(.sample())
        server.state.withLock { $0.loseNextPushResponse = true }

        let report = try await device.client.sync()
        #expect(report.attempts == 2)
        #expect(device.sleeps.recorded.count == 1)
        #expect(server.state.withLock { $0.applications["dev-1"] } == [1])
        #expect(try await device.client.pendingCount() == 0)
    }

    @Test(arguments: StoreKind.allCases)
    func interruptedPullResumesFromStoredCursor(kind: StoreKind) async throws {
        let server = FakeSyncServer()
        for index in 1...5 { server.write(.households, "h\(index)", ["name": .string("户\(index)")], stamp: stamp(1000)) }
        let store = try kind.make()
        server.state.withLock { $0.failPullAtPage = 2 }

        let first = Device(store: store, server: server)
        await #expect(throws: SyncError.self) { try await first.client.sync() }
        #expect(try await first.client.households().count == 2)

        // A new process on the same store: it must continue after page 1, not start over.
        let second = Device(store: store, server: server)
        try await second.client.sync()
        let cursors = server.state.withLock { $0.pullCursors }
        #expect(cursors == ["", SyncCursor(version: 2).token, SyncCursor(version: 2).token, SyncCursor(version: 4).token])
        let households = try await second.client.households()
        #expect(households.map(\.id) == ["h1", "h2", "h3", "h4", "h5"])
        #expect(try await store.syncState().cursor == SyncCursor(version: 5).token)
    }

    /// An acknowledged write must not vanish from the view when the pull after the push fails: the helper
    /// just recorded it and may want to amend it (found by the convergence proof).
    @Test(arguments: StoreKind.allCases)
    func acknowledgedWriteStaysVisibleUntilPulledBack(kind: StoreKind) async throws {
        let server = FakeSyncServer()
        server.write(.households, "h1", ["name": "张三"], stamp: stamp(1000))
        let device = Device(store: try kind.make(), server: server)
        try await device.client.sync()
        try await device.client.updateHousehold(id: "h1", fields: ["phone": "13900000000"])
        server.state.withLock { state in
            state.failPullAtPage = state.pagesServed + 1
        }
        await #expect(throws: SyncError.self) { try await device.client.sync() }
        #expect(server.state.withLock { $0.lastApplied.values.first } == 1, "the push was acknowledged")
        #expect(try await device.client.pendingCount() == 0, "nothing is left to send")
        #expect(try await device.client.households().first?.fields["phone"] == "13900000000", "and it is still shown")
        server.state.withLock { $0.failPullAtPage = nil }
        try await device.client.sync()
        let shown = try await device.client.households().first
        #expect(shown?.fields["phone"] == "13900000000")
        #expect(shown?.hasPendingChanges == false, "pulled back: the outbox entry is gone")
    }

    @Test(arguments: StoreKind.allCases)
    func rejectedWriteRecordedOnceWhenReplayed(kind: StoreKind) async throws {
        let server = FakeSyncServer()
        server.write(.households, "h1", ["name": "张三"], stamp: stamp(1000))
        let device = Device(store: try kind.make(), server: server)
        try await device.client.sync()
        try await device.client.updateHousehold(id: "h1", fields: ["forbidden": "x"])
        try await device.client.updateHousehold(id: "h1", fields: ["phone": "13900000000"])
        server.state.withLock { $0.loseNextPushResponse = true }

        await #expect(throws: SyncError.self) { try await device.client.sync() }
        let report = try await device.client.sync()
        #expect(report.newRejections == 1)
        try await device.client.sync()

        let rejected = try await device.client.rejectedWrites()
        #expect(rejected.count == 1)
        #expect(rejected.first?.seq == 1)
        #expect(rejected.first?.code == .readOnlyField)
        #expect(rejected.first?.field == "forbidden")
        #expect(rejected.first?.mutation?.fields["forbidden"] == "x")
        #expect(device.client.status.rejected == 1)
        #expect(try await device.client.record(collection: .households, id: "h1")?.fields["forbidden"] == nil)
    }

    @Test(arguments: StoreKind.allCases)
    func pulledRecordReplacesConfirmedStateUnderPendingEdit(kind: StoreKind) async throws {
        let server = FakeSyncServer()
        server.write(.households, "h1", ["name": "张三", "income": 1000], stamp: stamp(1000))
        let device = Device(store: try kind.make(), server: server)
        try await device.client.sync()

        try await device.client.updateHousehold(id: "h1", fields: ["income": 2000])
        server.write(.households, "h1", ["name": "张三丰", "phone": "13900000000"], stamp: stamp(2000, "dev-2"))
        server.state.withLock { $0.deferPushes = true }
        let report = try await device.client.sync()
        #expect(report.pushDeferred)

        let view = try #require(try await device.client.record(collection: .households, id: "h1"))
        #expect(view.version == 2)
        #expect(view.fields == ["name": "张三丰", "phone": "13900000000", "income": 2000])
        #expect(view.hasPendingChanges)
        let confirmed = try await device.store.snapshot(collection: "households", recordId: "h1").confirmed
        #expect(confirmed.first?.fields["income"] == 1000)

        server.state.withLock { $0.deferPushes = false }
        try await device.client.sync()
        try await expectViewEqualsServer(device, server)
    }

    @Test(arguments: StoreKind.allCases)
    func fullSyncLeavesViewEqualToServer(kind: StoreKind) async throws {
        let server = FakeSyncServer()
        server.write(.households, "h1", ["name": "李四"], stamp: stamp(1000))
        server.write(.households, "h2", ["name": "王五"], stamp: stamp(1000))
        server.write(.members, "h1-m-1", ["householdId": "h1", "name": "李小四"], stamp: stamp(1000))
        let device = Device(store: try kind.make(), server: server)
        try await device.client.sync()

        let member = try await device.client.addMember(householdId: "h1", fields: ["name": "李小五"])
        try await device.client.updateMember(id: member, fields: ["relation": "子"])
        try await device.client.updateHousehold(id: "h2", fields: ["phone": "13800000000"])
        try await device.client.recordVisit(.sample("h1"))
        #expect(try await device.client.members(of: "h1").count == 2)
        #expect(try await device.client.pendingCount() == 4)

        server.delete(.households, "h1", scopeRemovalOnly: true)
        server.state.withLock { $0.pageSize = 1 }
        try await device.client.sync()
        #expect(try await device.client.pendingCount() == 0)
        try await expectViewEqualsServer(device, server, removed: ["h1"])
    }

    @Test(arguments: StoreKind.allCases)
    func tombstoneDeletesRecordButKeepsOutbox(kind: StoreKind) async throws {
        let server = FakeSyncServer()
        server.write(.households, "h1", ["name": "赵六"], stamp: stamp(1000))
        let device = Device(store: try kind.make(), server: server)
        try await device.client.sync()
        try await device.client.updateHousehold(id: "h1", fields: ["phone": "13700000000"])
        server.delete(.households, "h1")
        server.state.withLock { $0.deferPushes = true }
        try await device.client.sync()

        #expect(try await device.client.households().isEmpty)
        #expect(try await device.client.pendingCount() == 1)

        server.state.withLock { $0.deferPushes = false }
        try await device.client.sync()
        #expect(try await device.client.rejectedWrites().map(\.code) == [.recordNotFound])
    }

    @Test func gapIsFilledByResendingFromExpectedSeq() async throws {
        let server = FakeSyncServer()
        let device = Device(store: MemoryLocalStore(), server: server)
        for _ in 0..<3 { try await device.client.recordVisit(.sample()) }
        server.state.withLock { $0.dropFirstMutationOnce = true }

        try await device.client.sync()
        #expect(server.state.withLock { $0.applications["dev-1"] } == [1, 2, 3])
        #expect(try await device.client.pendingCount() == 0)
    }

    @Test func serverExpectingAcknowledgedSeqIsAProtocolViolation() async throws {
        let server = FakeSyncServer()
        let device = Device(store: MemoryLocalStore(), server: server, policy: RetryPolicy(maxAttempts: 5))
        for _ in 0..<3 { try await device.client.recordVisit(.sample()) }
        try await device.client.sync()
        // The server is restored from a backup that predates seqs 2 and 3.
        server.state.withLock { $0.lastApplied["dev-1"] = 1 }
        try await device.client.recordVisit(.sample())
        let pushesBefore = server.state.withLock { $0.pushes }

        let error = await #expect(throws: SyncError.self) { try await device.client.sync() }
        #expect(error?.kind == .protocolViolation)
        #expect(server.state.withLock { $0.pushes } == pushesBefore + 1)
        #expect(try await device.client.pendingCount() == 1)
        if case .error = device.client.status.activity {} else { Issue.record("status should show the error") }
    }

    @Test func nonRetryableHTTPErrorSurfacesServerCode() async throws {
        let server = FakeSyncServer()
        let device = Device(store: MemoryLocalStore(), server: server, policy: RetryPolicy(maxAttempts: 5))
        try await device.client.recordVisit(.sample())
        server.state.withLock {
            $0.pushFailures = [.http(status: 401, body: APIErrorBody(code: .tokenExpired, message: "令牌已过期"))]
        }

        let error = await #expect(throws: SyncError.self) { try await device.client.sync() }
        #expect(error?.kind == .server)
        #expect(error?.code == .tokenExpired)
        #expect(error?.httpStatus == 401)
        #expect(device.sleeps.recorded.isEmpty)
        #expect(try await device.client.pendingCount() == 1)
    }

    @Test func oversizedBatchIsSplitInsteadOfWedgingTheOutbox() async throws {
        let server = FakeSyncServer()
        let device = Device(store: MemoryLocalStore(), server: server)
        for _ in 0..<10 { try await device.client.recordVisit(.sample()) }
        server.state.withLock { $0.maxBatch = 3 }

        try await device.client.sync()
        #expect(server.state.withLock { $0.applications["dev-1"] } == Array(1...10))
        #expect(try await device.client.pendingCount() == 0)
    }

    @Test func concurrentSyncCallsNeverOverlap() async throws {
        let server = FakeSyncServer()
        for index in 1...6 { server.write(.households, "h\(index)", ["name": .string("户\(index)")], stamp: stamp(1000)) }
        let device = Device(store: MemoryLocalStore(), server: server)
        for _ in 0..<3 { try await device.client.recordVisit(.sample()) }

        try await withThrowingTaskGroup(of: SyncReport.self) { group in
            for _ in 0..<4 { group.addTask { try await device.client.sync() } }
            for try await _ in group {}
        }
        #expect(server.state.withLock { $0.maxInFlight } == 1)
        #expect(server.state.withLock { $0.applications["dev-1"] } == [1, 2, 3])
        #expect(try await device.client.households().count == 6)
    }

    @Test func localWritesFollowEveryPulledStamp() async throws {
        let server = FakeSyncServer()
        let clock = TestClock()
        let future = clock.read() + 3_600_000
        server.write(.households, "h1", ["name": "孙七"], stamp: stamp(future, "dev-2"))
        let device = Device(store: MemoryLocalStore(), server: server, clock: clock)
        try await device.client.sync()

        try await device.client.updateHousehold(id: "h1", fields: ["name": "孙七七"])
        let pending = try await device.store.pendingMutations(fromSeq: 0, limit: 10)
        #expect(pending.first?.stamp ?? .zero > stamp(future, "dev-2"))
        #expect(pending.first?.baseVersion == 1)
        #expect(pending.first?.stamp.node == "dev-1")
    }

    private func expectViewEqualsServer(_ device: Device, _ server: FakeSyncServer, removed: Set<String> = [],
                                        sourceLocation: SourceLocation = #_sourceLocation) async throws {
        for collection in [CollectionName.households, .members, .visits] {
            let expected = server.records(collection).filter { !removed.contains($0.recordId) }
                .map { LocalRecord(collection: $0.collection, id: $0.recordId, version: $0.version,
                                   fields: $0.fields, stamps: $0.stamps, hasPendingChanges: false) }
            let view = try await device.client.records(in: collection).sorted { $0.id < $1.id }
            #expect(view == expected, "\(collection)", sourceLocation: sourceLocation)
        }
    }
}

@Suite("SyncClient status")
struct SyncClientStatusTests {
    @Test func statusStreamReportsPendingAndLastSync() async throws {
        let server = FakeSyncServer()
        let device = Device(store: MemoryLocalStore(), server: server)
        var updates = device.client.statusUpdates().makeAsyncIterator()
        #expect(await updates.next() == SyncStatus())

        try await device.client.recordVisit(.sample())
        #expect(device.client.status.pending == 1)
        try await device.client.sync()
        let status = device.client.status
        #expect(status.activity == .idle)
        #expect(status.pending == 0)
        #expect(status.lastSyncAt == device.clock.read())
        // The stream keeps only the newest status for a reader that lags, as a UI wants.
        #expect(await updates.next() == status)
    }

    @Test func visitIdsAreLowercaseUUIDsFromTheInjectedGenerator() async throws {
        let first = Device(store: MemoryLocalStore(), server: FakeSyncServer(), random: SeededGenerator(seed: 9))
        let second = Device(store: MemoryLocalStore(), server: FakeSyncServer(), random: SeededGenerator(seed: 9))
        let id = try await first.client.recordVisit(.sample())
        #expect(id == (try await second.client.recordVisit(.sample())))
        #expect(id.count == 36 && id == id.lowercased())
        #expect(Array(id)[14] == "4")
        let member = try await first.client.addMember(householdId: "h1", fields: ["name": "新成员"])
        #expect(member.hasPrefix("h1-m-") && member.count == 13)
        #expect(try await first.client.record(collection: .members, id: member)?.fields["householdId"] == "h1")
    }

    @Test func updatingAnUnknownHouseholdFails() async throws {
        let device = Device(store: MemoryLocalStore(), server: FakeSyncServer())
        let error = await #expect(throws: SyncError.self) {
            try await device.client.updateHousehold(id: "nope", fields: ["phone": "13900000000"])
        }
        #expect(error?.kind == .recordNotFound)
        #expect(try await device.client.pendingCount() == 0)
    }
}
