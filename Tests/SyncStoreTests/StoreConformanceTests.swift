import Foundation
import Logging
import SyncService
import SyncStore
import SyncStorePostgres
import SyncStoreSQLite
import SyncTesting
import Testing

/// Every conformance check against every adapter (STYLE rule 2). PostgreSQL runs when
/// `BANGFU_TEST_POSTGRES_URL` names a server (scripts/test.sh starts one), each check on a fresh database.
@Suite struct StoreConformanceTests {
    static let checkNames = StoreConformance.checks.keys.sorted()

    @Test(arguments: checkNames)
    func memoryStore(_ check: String) async throws {
        try await StoreConformance.checks[check]!({ MemorySyncStore() })
    }

    @Test(arguments: checkNames)
    func sqliteStore(_ check: String) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bangfu-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try await StoreConformance.checks[check]!({
            try SQLiteSyncStore(path: directory.appendingPathComponent("store.sqlite").path)
        })
    }

    @Test(.enabled(if: PostgresTestDatabase.url != nil, "BANGFU_TEST_POSTGRES_URL is not set"), arguments: checkNames)
    func postgresStore(_ check: String) async throws {
        try await PostgresTestDatabase.withStore { store in
            try await StoreConformance.checks[check]!({ store })
        }
    }

    /// The same checks through the cipher that keeps personal data encrypted at rest (`PersonalDataStore`), on
    /// the two durable adapters: encryption changes nothing a store guarantees.
    @Test(arguments: checkNames)
    func sqliteStoreThroughTheCipher(_ check: String) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bangfu-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try await StoreConformance.checks[check]!({
            PersonalDataStore(wrapping: try SQLiteSyncStore(path: directory.appendingPathComponent("store.sqlite").path),
                              cipher: TestKeys.cipher)
        })
    }

    @Test(.enabled(if: PostgresTestDatabase.url != nil, "BANGFU_TEST_POSTGRES_URL is not set"), arguments: checkNames)
    func postgresStoreThroughTheCipher(_ check: String) async throws {
        try await PostgresTestDatabase.withStore { store in
            try await StoreConformance.checks[check]!({ PersonalDataStore(wrapping: store, cipher: TestKeys.cipher) })
        }
    }

    /// Two nodes (two stores, two pools) over one PostgreSQL database: writers and a reader's pages spread
    /// over both never skip or repeat a change, and retries of one push through either apply it once.
    @Test(.enabled(if: PostgresTestDatabase.url != nil, "BANGFU_TEST_POSTGRES_URL is not set"))
    func postgresNodesShareOneGaplessLogAndOneOutcomePerPush() async throws {
        try await PostgresTestDatabase.withNodes(2) { nodes in try await StoreConformance.noCursorGap(nodes: nodes) }
        try await PostgresTestDatabase.withNodes(2) { nodes in
            try await StoreConformance.concurrentRetriesApplyOnce(nodes: nodes)
        }
        try await PostgresTestDatabase.withNodes(2) { nodes in
            try await StoreConformance.enrolmentCodeRedeemedOnce(nodes: nodes)
        }
    }

    /// A PostgreSQL setting that is not a usable URL is refused before anything connects.
    @Test(arguments: ["host=127.0.0.1 dbname=bangfu", "mysql://bangfu@127.0.0.1/bangfu", "postgres://127.0.0.1/bangfu",
                      "postgres://bangfu@127.0.0.1/bangfu?pool_max_conns=2", "postgres://bangfu@127.0.0.1/bangfu?pool_max_conns=many"])
    func postgresRefusesWhatIsNotAURL(_ url: String) throws {
        #expect(throws: SyncStoreError.self) { _ = try PostgresSyncStore(url: url, logger: Logger(label: "test")) }
        do { _ = try PostgresSyncStore(url: url, logger: Logger(label: "test")) } catch let error as SyncStoreError {
            #expect(error.code == .invalidConfiguration)
        }
    }

    /// `pool_max_conns` sizes the node's pool; the other settings of the URL still apply.
    @Test func postgresPoolSizeComesFromTheURL() throws {
        let sized = try PostgresSyncStore.configuration("postgres://bangfu@127.0.0.1:5433/bangfu?sslmode=disable&pool_max_conns=7")
        #expect(sized.options.maximumConnections == 7)
        #expect(sized.port == 5433)
        #expect(try PostgresSyncStore.configuration("postgres://bangfu@127.0.0.1/bangfu").options.maximumConnections == 20)
    }

    @Test func sqliteKeepsAcceptedWritesAcrossReopen() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bangfu-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("store.sqlite").path
        let fixture = try await StoreFixture.make(try SQLiteSyncStore(path: path))
        let (helper, households) = try fixture.helper()
        try await fixture.enroll("dev-a", helperId: helper)
        let plan = try await fixture.push([fixture.visit("v1", seq: 1, device: "dev-a", household: households[0])],
                                          device: "dev-a", helper: helper)
        #expect(plan.results.first?.status == .applied)
        let reopened = try SQLiteSyncStore(path: path)
        try await reopened.migrate()
        #expect(try await reopened.record(.init(.visits, "v1"))?.version == plan.results.first?.version)
        #expect(try await reopened.headVersion() > 0)
    }
}
