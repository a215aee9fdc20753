import Foundation
import Logging
@testable import SyncServer
import SyncModel
import SyncService
import SyncStore
import SyncTesting
import Testing

/// The server's background re-encryption (`KeyRotation`): after `keys rotate`, the running node re-reads
/// the key directory on its own and moves every stored value to the new key, with no operator command.
@Suite struct KeyRotationServiceTests {
    @Test func aRunningNodeMovesEveryValueToTheRotatedKey() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bangfu-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let keys = KeyDirectory(path: directory.appendingPathComponent("keys").path)
        let first = try keys.initialize().current.id
        let cipher = PersonalDataCipher(ring: try keys.load(), reload: { try keys.load() })
        let base = MemorySyncStore()
        let written = try await PersonalDataAtRest.write(into: base, cipher: cipher)
        // A value from before encryption: the first pass encrypts it, which tells the test that pass is done.
        var legacy = try #require(try await base.record(RecordKey(.households, written.households[1])))
        legacy.fields["phone"] = "13800138000"
        try await base.importRecords([legacy])
        let service = SyncService(store: written.store, now: { written.fixture.clock.now() },
                                  randomBytes: { Array(repeating: 3, count: $0) }, auditKey: TestKeys.key,
                                  cipher: cipher, logger: Logger(label: "rotation"))
        let rotation = KeyRotation(service: service, firstDelay: .milliseconds(10), interval: .milliseconds(50))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await rotation.run() }
            defer { group.cancelAll() }
            // The first pass encrypts the plaintext value; then the node sits idle under the only key.
            try await Self.waitUntil { try await service.keyUsage().values.keys.sorted() == [first] }
            try await Task.sleep(for: .milliseconds(120))
            let second = try keys.rotate().current.id
            try await Self.waitUntil { try await service.keyUsage().values.keys.sorted() == [second] }
            #expect(cipher.currentKeyId == second)
        }
    }

    static func waitUntil(_ condition: () async throws -> Bool) async throws {
        for _ in 0..<200 {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(25))
        }
        Issue.record("the condition did not hold within 5 s")
    }
}
