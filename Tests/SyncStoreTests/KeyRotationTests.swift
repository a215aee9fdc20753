import Foundation
import Synchronization
import Logging
import SyncEngine
import SyncModel
import SyncService
import SyncStore
import SyncStoreSQLite
import SyncTesting
import Testing

/// Key rotation (docs/personal-data.md "Keys"): after `keys rotate`, the background pass moves every stored
/// personal value — records and conflicts, and plaintext from before encryption — to the new key, beside
/// live writes, without a new revision or log position; then the old key can go.
@Suite struct KeyRotationTests {
    @Test func rotationOnSQLiteMovesEveryValueAndNothingElse() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bangfu-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try await Self.check(base: try SQLiteSyncStore(path: directory.appendingPathComponent("s.sqlite").path),
                             keys: KeyDirectory(path: directory.appendingPathComponent("keys").path))
    }

    @Test(.enabled(if: PostgresTestDatabase.url != nil, "BANGFU_TEST_POSTGRES_URL is not set"))
    func rotationOnPostgreSQLMovesEveryValueAndNothingElse() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bangfu-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try await PostgresTestDatabase.withStore { store in
            try await Self.check(base: store, keys: KeyDirectory(path: directory.appendingPathComponent("keys").path))
        }
    }

    static func check(base: any SyncStore, keys: KeyDirectory) async throws {
        let first = try keys.initialize()
        let cipher = PersonalDataCipher(ring: first, reload: { try keys.load() })
        let written = try await PersonalDataAtRest.write(into: base, cipher: cipher)
        // Data from before encryption existed: a plaintext phone written straight into the adapter.
        var legacy = try await base.record(RecordKey(.households, written.households[1]))!
        legacy.fields["phone"] = "13800138000"
        try await base.importRecords([legacy])
        let service = SyncService(store: base, now: { written.fixture.clock.now() }, randomBytes: { Array(repeating: 7, count: $0) },
                                  auditKey: TestKeys.key, cipher: cipher, logger: Logger(label: "rotation"))
        let before = try await service.keyUsage()
        #expect(before.values[first.current.id, default: 0] > 20 && before.values[KeyUsage.plaintext] == 1, "\(before)")

        let plain = try await Self.everything(written.store)
        let conflictsBefore = try await written.store.conflicts(ConflictQuery(status: nil, limit: 1000))
        let second = try keys.rotate()
        #expect(second.current.id != first.current.id)
        // Live writes while the pass runs in small batches: a helper keeps changing a phone number.
        let fixture = written.fixture
        async let writes: [PushPlan] = {
            var plans: [PushPlan] = []
            for seq in Int64(6)...25 {
                fixture.clock.advance(by: 10)
                plans.append(try await fixture.push([
                    fixture.setHousehold(written.households[0], seq: seq, device: "dev-a",
                                         fields: ["phone": .string("1390000\(String(format: "%04d", seq))")]),
                ], device: "dev-a", helper: written.helper))
            }
            return plans
        }()
        let report = try await service.reencryptPersonalData(batchSize: 3)
        let plans = try await writes
        #expect(plans.allSatisfy { $0.results.map(\.status) == [.applied] })
        #expect(report.currentKeyId == second.current.id && report.records > 20 && report.conflicts >= 1, "\(report)")
        // A second pass finds nothing left (also what another node running it at once would see).
        let again = try await service.reencryptPersonalData(batchSize: 3)
        #expect(again.records == 0 && again.conflicts == 0, "\(again)")
        let after = try await service.keyUsage()
        #expect(after.values.keys.sorted() == [second.current.id], "values still under other keys: \(after)")

        // Nothing moved but the ciphertexts: same values, revisions and positions, except the household the
        // helper kept writing (whose last write must have won).
        let now = try await Self.everything(written.store)
        let written0 = RecordKey(.households, written.households[0])
        for (key, record) in plain where key != written0 {
            let current = now[key]
            #expect(current?.fields == record.fields && current?.version == record.version && current?.position == record.position,
                    "\(key) changed in the rotation")
        }
        #expect(now[written0]?.fields["phone"] == "13900000025", "the last live write was lost")

        // Conflicts keep their status, sides and place in the queue.
        #expect(try await written.store.conflicts(ConflictQuery(status: nil, limit: 1000)) == conflictsBefore)

        // A node given another key set refuses to start instead of serving errors.
        let stranger = SyncService(store: base, now: { 0 }, randomBytes: { Array(repeating: 1, count: $0) },
                                   auditKey: TestKeys.key, cipher: PersonalDataCipher(ring: .random()),
                                   logger: Logger(label: "stranger"))
        await #expect(throws: DataKeyError.self) { try await stranger.checkDataKeys() }
        try await service.checkDataKeys()

        // The old key can go: a node holding only the new key reads everything.
        try keys.remove(keyId: first.current.id, now: KeyDirectory.nowMillis() + KeyDirectory.retirementBeforeRemoval)
        let fresh = PersonalDataStore(wrapping: base, cipher: PersonalDataCipher(ring: try keys.load()))
        #expect(try await Self.everything(fresh).count == now.count)
        #expect(try await fresh.conflicts(ConflictQuery()).count == (try await written.store.conflicts(ConflictQuery())).count)
    }

    /// Every record with a personal field, read through `store`.
    static func everything(_ store: any SyncStore) async throws -> [RecordKey: SyncRecord] {
        var records: [RecordKey: SyncRecord] = [:]
        for collection in [CollectionName.households, .members, .helpers] {
            var after: String?
            repeat {
                let ids = LockedIds()
                let pass = try await store.rewriteRecords(collection, after: after, limit: 500) { record in
                    ids.append(record.id)
                    return nil
                }
                for id in ids.all { records[RecordKey(collection, id)] = try await store.record(RecordKey(collection, id)) }
                after = pass.last
            } while after != nil
        }
        return records
    }
}

/// Ids collected inside a store's closure.
final class LockedIds: Sendable {
    private let ids = Mutex<[String]>([])
    func append(_ id: String) { ids.withLock { $0.append(id) } }
    var all: [String] { ids.withLock { $0 } }
}
