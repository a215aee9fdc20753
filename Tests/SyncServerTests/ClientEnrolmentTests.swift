import Foundation
import FieldDomain
import Logging
import SyncClient
import SyncModel
import SyncService
import SyncStore
import SyncTesting
import Testing

/// The client module enrols, signs, refreshes and wipes itself, against the real service through the
/// in-process transport (protocol/security.md).
@Suite struct ClientEnrolmentTests {
    static let operatorPrincipal = Principal.admin(id: SyncService.operatorId, role: .operator, region: "")

    static func enrolledClient(_ fixture: ServerFixture, credentials: any CredentialStore, local: any LocalStore)
        async throws -> (SyncClient, DeviceSession) {
        let issued = try await fixture.service.issueEnrolmentCode(helperId: fixture.helperId, adminId: nil, label: nil,
                                                                  expiresInHours: nil, by: operatorPrincipal)
        let session = try await DeviceSession.enrol(code: issued.code, label: "测试手机",
                                                    transport: InProcessTransport(service: fixture.service, session: nil),
                                                    store: credentials)
        let client = SyncClient(deviceId: session.deviceId, store: local,
                                transport: InProcessTransport(service: fixture.service, session: session),
                                clock: { fixture.clock.now() }, random: SplitMix64(seed: 3), logger: Logger(label: "test"),
                                integrityCheckInterval: nil, session: session)
        return (client, session)
    }

    static func draft(_ household: String) -> VisitDraft {
        VisitDraft(kind: "household", householdId: household, visitedAt: "2026-11-22T09:30:00+08:00",
                   gps: GeoPoint(latitude: 26.58, longitude: 106.71), notes: "入户核实收入", problems: ["饮水管道老化"])
    }

    @Test func anEnrolledPhoneSignsItsVisitsAndRefreshesItsTokenByItself() async throws {
        let fixture = try await ServerFixture.make()
        let credentials = MemoryCredentialStore()
        let (client, session) = try await Self.enrolledClient(fixture, credentials: credentials, local: MemoryLocalStore())
        #expect(try await credentials.load()?.deviceId == session.deviceId)
        let visit = try await client.recordVisit(Self.draft(fixture.households[0]))
        try await client.sync()
        let stored = try #require(try await fixture.service.store.record(RecordKey(.visits, visit)))
        #expect(try await fixture.service.checkSignature(of: stored).status == .valid)

        // A day and more later the access token has expired: the next sync refreshes it and goes on.
        let before = try await credentials.load()?.refreshToken
        fixture.clock.advance(by: 30 * 3_600_000)
        let second = try await client.recordVisit(Self.draft(fixture.households[1]))
        let report = try await client.sync()
        #expect(report.acknowledged == 1)
        #expect(try await fixture.service.store.record(RecordKey(.visits, second)) != nil)
        let after = try #require(try await credentials.load())
        #expect(after.refreshToken != before)
        #expect(after.accessExpiresAt > fixture.clock.now())
    }

    /// A village phone whose clock is two hours fast still refreshes: it stamps the proof with the server's
    /// time, learned from the last answer.
    @Test func aPhoneWithAWrongClockStillRefreshes() async throws {
        let fixture = try await ServerFixture.make()
        let issued = try await fixture.service.issueEnrolmentCode(helperId: fixture.helperId, adminId: nil, label: nil,
                                                                  expiresInHours: nil, by: Self.operatorPrincipal)
        let session = try await DeviceSession.enrol(code: issued.code, label: nil,
                                                    transport: InProcessTransport(service: fixture.service, session: nil),
                                                    store: MemoryCredentialStore())
        let client = SyncClient(deviceId: session.deviceId, store: MemoryLocalStore(),
                                transport: InProcessTransport(service: fixture.service, session: session),
                                clock: { fixture.clock.now() + 2 * 3_600_000 }, random: SplitMix64(seed: 5),
                                logger: Logger(label: "test"), integrityCheckInterval: nil, session: session)
        try await client.sync()
        fixture.clock.advance(by: 30 * 3_600_000)
        _ = try await client.recordVisit(Self.draft(fixture.households[0]))
        let report = try await client.sync()
        #expect(report.acknowledged == 1)
    }

    @Test func aRevokedPhoneWipesItsDataAndKeyAtItsNextSync() async throws {
        let fixture = try await ServerFixture.make()
        let credentials = MemoryCredentialStore()
        let local = MemoryLocalStore()
        let (client, session) = try await Self.enrolledClient(fixture, credentials: credentials, local: local)
        try await client.sync()
        #expect(try await client.households().isEmpty == false)
        // Recorded offline after the phone was lost, never sent.
        _ = try await client.recordVisit(Self.draft(fixture.households[0]))
        _ = try await fixture.service.revokeDevice(id: session.deviceId, by: Self.operatorPrincipal)
        await #expect(throws: SyncError.self) { try await client.sync() }
        do {
            try await client.sync()
        } catch let error as SyncError {
            #expect(error.code == .deviceRevoked)
        }
        #expect(try await credentials.load() == nil)
        // The phone records nothing more until it is enrolled again.
        await #expect(throws: SyncError.self) { try await client.recordVisit(Self.draft(fixture.households[0])) }
        #expect(try await local.snapshot(collection: "households", recordId: nil).confirmed.isEmpty)
        #expect(try await fixture.service.store.count(.visits) == 0)
    }
}

/// Revocation reaches every node at once: a phone enrolled and syncing through node B is refused on its next
/// request after an admin revokes it through node A (two services over one PostgreSQL database).
@Suite struct RevocationAcrossNodesTests {
    @Test(.enabled(if: PostgresTestDatabase.url != nil, "BANGFU_TEST_POSTGRES_URL is not set"))
    func aPhoneRevokedThroughOneNodeIsRefusedByAnother() async throws {
        try await PostgresTestDatabase.withNodes(2) { nodes in
            let fixture = try await StoreFixture.make(nodes[0], households: 30)
            let (helper, households) = try fixture.helper()
            func node(_ store: any SyncStore, _ name: String) -> SyncService {
                SyncService(store: store, now: { Int64(Date().timeIntervalSince1970 * 1000) },
                            randomBytes: { count in (0..<count).map { _ in UInt8.random(in: .min ... .max) } },
                            auditKey: TestKeys.key, cipher: TestKeys.cipher, logger: Logger(label: name))
            }
            let nodeA = node(nodes[0], "node-a")
            let nodeB = node(nodes[1], "node-b")
            let issued = try await nodeA.issueEnrolmentCode(helperId: helper, adminId: nil, label: nil, expiresInHours: nil,
                                                            by: ClientEnrolmentTests.operatorPrincipal)
            let session = try await DeviceSession.enrol(code: issued.code, label: nil,
                                                        transport: InProcessTransport(service: nodeB, session: nil),
                                                        store: MemoryCredentialStore())
            let local = MemoryLocalStore()
            let client = SyncClient(deviceId: session.deviceId, store: local,
                                    transport: InProcessTransport(service: nodeB, session: session),
                                    clock: { Int64(Date().timeIntervalSince1970 * 1000) }, random: SplitMix64(seed: 9),
                                    logger: Logger(label: "test"), integrityCheckInterval: nil, session: session)
            try await client.sync()
            _ = try await nodeA.revokeDevice(id: session.deviceId, by: ClientEnrolmentTests.operatorPrincipal)
            _ = try await client.recordVisit(ClientEnrolmentTests.draft(households[0]))
            do {
                try await client.sync()
                Issue.record("node B accepted a revoked phone")
            } catch let error as SyncError {
                #expect(error.code == .deviceRevoked)
            }
            #expect(try await local.snapshot(collection: "households", recordId: nil).confirmed.isEmpty)
            #expect(try await nodes[1].count(.visits) == 0)
        }
    }
}
