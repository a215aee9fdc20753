import Foundation
import Logging
import SyncService
import SyncStore
import SyncStoreSQLite
import SyncTesting
import Testing

/// Many simulated devices through the real client module, then the convergence proof. The seed is printed;
/// set BANGFU_SIM_SEED to replay a failing run.
@Suite(.serialized) struct EndToEndTests {
    static var seed: UInt64 {
        ProcessInfo.processInfo.environment["BANGFU_SIM_SEED"].flatMap(UInt64.init) ?? 20_261_122
    }

    static func seededService(households: Int) async throws -> (SyncService, URL) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bangfu-e2e-\(UUID().uuidString)")
        let store = try SQLiteSyncStore(path: directory.appendingPathComponent("server.sqlite").path)
        _ = try await StoreFixture.make(store, households: households, seed: seed)
        let random = SeededRandomSource(seed: seed)
        let service = SyncService(store: store, now: { Int64(Date().timeIntervalSince1970 * 1000) },
                                  randomBytes: { random.bytes($0) }, auditKey: TestKeys.key, cipher: TestKeys.cipher,
                                  cardKeys: TestKeys.cardKeys, logger: Logger(label: "e2e"))
        return (service, directory)
    }

    @Test func twentyFourDevicesOnAFaultyNetworkConvergeInProcess() async throws {
        let (service, directory) = try await Self.seededService(households: 300)
        defer { try? FileManager.default.removeItem(at: directory) }
        var config = SimulationConfig()
        config.devices = 24
        config.days = 3
        config.seed = Self.seed
        config.devicesPerHelper = 2
        config.faults = .init(dropRequest: 0.1, dropResponse: 0.1, duplicate: 0.1)
        config.storeDirectory = directory.path
        let report = try await Simulation(config: config, server: InProcessSimulationServer(service: service)).run()
        print(report.summary)
        let passed = report.passed
        let failures = report.failures.prefix(5)
        #expect(passed, "seed \(Self.seed): \(failures)")
        #expect(report.devices == 24 && report.syncs >= 24 * 3)
        #expect(report.applied > 100)
        #expect(report.rejected > 0, "the run should include deliberately invalid writes")
        #expect(report.droppedResponses > 0, "the faulty network should have lost responses")
    }

    /// Runs a simulation over TLS against a live server seeded with `households`, on a network that
    /// loses and duplicates 5 % of requests; `configure` sets the scenario.
    static func runOverTLS(households: Int, coHelpers: Int = 0, store: any SyncStore = MemorySyncStore(),
                           _ configure: (inout SimulationConfig) -> Void) async throws -> SimulationReport
    {
        let certificates = try LiveServer.makeCertificates()
        defer { try? FileManager.default.removeItem(at: certificates.directory) }
        _ = try await StoreFixture.make(store, households: households, seed: seed, coHelpers: coHelpers)
        let adminToken = "e2e-admin-token-0123456789"
        var config = SimulationConfig()
        config.seed = seed
        config.faults = .init(dropRequest: 0.05, dropResponse: 0.05, duplicate: 0.05)
        configure(&config)
        let report = try await LiveServer.run(store: store, certificates: certificates, adminToken: adminToken) {
            [config] port, _ in
            let server = try HTTPSimulationServer(url: "https://127.0.0.1:\(port)", caCertificatePath: certificates.ca,
                                                  adminToken: adminToken)
            do {
                return try await Simulation(config: config, server: server).run()
            } catch {
                // The simulation shuts the client down when it finishes; on a failure this test must.
                try? await server.shutdown()
                throw error
            }
        }
        print(report.summary)
        let passed = report.passed
        let failures = report.failures.prefix(5)
        #expect(passed, "seed \(seed): \(failures)")
        return report
    }

    @Test func twentyDevicesConvergeOverTLS() async throws {
        let report = try await Self.runOverTLS(households: 200) { config in
            config.devices = 20
            config.days = 2
        }
        #expect(report.devices == 20)
    }

    /// `bangfu-sim run --cards` in a test: helpers (some sharing households, so that a phone may lack a
    /// co-helper's profile) ask for 明白卡 after visits over a faulty network, then in a burst; every device's
    /// offline verdict agrees with the server's, the reprint list is exactly the outdated newest cards, and an
    /// edit after printing puts a household on it.
    @Test func helpersRequestCardsOverTLSAndOfflineAndOnlineVerdictsAgree() async throws {
        let report = try await Self.runOverTLS(households: 60, coHelpers: 1) { config in
            config.devices = 12
            config.days = 2
            config.cardRate = 0.3
        }
        #expect(report.cardsIssued > report.cardBurst && report.cardBurst > 0)
        #expect(report.cardsVerifiedOffline >= 12 && report.cardsVerifiedOnline >= 12)
        #expect(report.cardVerdicts["outdated", default: 0] > 0, "cards issued during the days should have gone out of date")
        #expect(report.cardsOnReprintList > 0)
    }

    /// `bangfu-sim run --scenario contention` in a test: helpers sharing households edit the same fields
    /// offline over TLS; hard conflicts open, an admin resolves them over the admin API, and every device
    /// converges again with nothing left 待核实.
    @Test func contentionOverTLSOpensConflictsAndConvergesAfterReview() async throws {
        let report = try await Self.runOverTLS(households: 30, coHelpers: 3) { config in
            config.scenario = .contention
            config.devices = 16
            config.days = 3
            config.invalidWriteRate = 0
        }
        #expect(report.conflictsByKind["hard", default: 0] > 0, "shared households should produce hard conflicts")
        #expect(report.conflictsResolved >= report.conflictsByKind["hard", default: 0])
    }

    /// `bangfu-sim run --scenario reassignment` in a test: between days an admin moves households to other
    /// helpers over the admin API while devices are offline with writes of their own; every device ends
    /// with exactly its helper's households and nothing accepted is lost.
    @Test func reassignmentOverTLSMovesHouseholdsAndEveryDeviceHoldsExactlyItsScope() async throws {
        let report = try await Self.runOverTLS(households: 40) { config in
            config.scenario = .reassignment
            config.devices = 12
            config.days = 4
        }
        #expect(report.reassignments >= 3)
    }

    /// The same devices over TLS against a server whose store is PostgreSQL (a fresh database), asking for
    /// 明白卡 too: the card ledger and its projection on PostgreSQL answer as on the other stores.
    @Test(.enabled(if: PostgresTestDatabase.url != nil, "BANGFU_TEST_POSTGRES_URL is not set"))
    func devicesConvergeOverTLSOnPostgres() async throws {
        let report = try await PostgresTestDatabase.withStore { store in
            try await Self.runOverTLS(households: 120, store: store) { config in
                config.devices = 12
                config.days = 2
                config.cardRate = 0.2
            }
        }
        #expect(report?.devices == 12)
        #expect((report?.cardsIssued ?? 0) > 0 && (report?.cardsVerifiedOnline ?? 0) >= 12)
    }
}
