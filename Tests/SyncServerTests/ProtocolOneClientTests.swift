import FieldDomain
import Foundation
import Logging
import SyncClient
import SyncEngine
import SyncModel
import SyncService
import SyncStore
import SyncTesting
import Testing

/// An app built before protocol 2 (docs/log-positions.md §4; protocol/README.md §4) keeps working against
/// this server over real TLS: the real client module speaking `Bangfu-Protocol: 1`, next to a current one,
/// on the in-memory store and on PostgreSQL.
@Suite(.serialized) struct ProtocolOneClientTests {
    @Test func protocolOneAppUploadsItsOutboxAndConvergesInMemory() async throws {
        try await Self.run(on: MemorySyncStore())
    }

    @Test func protocolOneAppUploadsItsOutboxAndConvergesOnPostgres() async throws {
        try await PostgresTestDatabase.withStore { store in try await Self.run(on: store) }
    }

    static func run(on store: any SyncStore) async throws {
        let certificates = try LiveServer.makeCertificates()
        defer { try? FileManager.default.removeItem(at: certificates.directory) }
        let fixture = try await StoreFixture.make(store, households: 40)
        let (helper, households) = try fixture.helper(withAtLeast: 2)
        let household = households[0]
        try await LiveServer.run(store: store, certificates: certificates) { port, service in
            func phone(speaking version: Int) async throws -> (SyncClient, HTTPSyncTransport) {
                let enrollment = try await service.enroll(helperId: helper, label: "protocol \(version)", expiresInDays: 1)
                let transport = try HTTPSyncTransport(baseURL: "https://127.0.0.1:\(port)", token: enrollment.token,
                                                      caCertificatePath: certificates.ca, protocolVersion: version)
                let client = SyncClient(deviceId: enrollment.deviceId, store: MemoryLocalStore(), transport: transport,
                                        clock: { Int64(Date().timeIntervalSince1970 * 1000) },
                                        random: SplitMix64(seed: UInt64(version)), logger: Logger(label: "test"))
                return (client, transport)
            }
            let (old, oldTransport) = try await phone(speaking: 1)
            let (new, newTransport) = try await phone(speaking: 2)
            try await old.sync()
            try await new.sync()

            // What protocol 1 defined: `version` is the state's place in the log. Protocol 2 carries the
            // record's own version.
            var cursor = ""
            var pages = 0
            while true {
                let page = try await oldTransport.pull(cursor: cursor, maxBytes: 2048)
                for change in page.changes {
                    let key = RecordKey(try #require(CollectionName(rawValue: change.collection)), change.recordId)
                    #expect(change.version == (try await store.record(key))?.position, "\(key): not its log position")
                }
                pages += 1
                cursor = page.cursor
                if !page.hasMore { break }
            }
            #expect(pages > 1)
            let stored = try #require(try await store.record(RecordKey(.households, household)))
            #expect(try await old.record(collection: .households, id: household)?.version == stored.position)
            #expect(try await new.record(collection: .households, id: household)?.version == stored.version)

            // Offline, both phones edit the same reviewed field; the current app syncs first. The old app's
            // base is a log position, so its write merges by stamp alone, as one without a base does
            // (conflicts.md §2): applied, never refused, and no conflict opened or logged.
            try await new.updateHousehold(id: household, fields: ["incomeWage": 5000])
            try await new.sync()
            try await Task.sleep(for: .milliseconds(5))
            try await old.updateHousehold(id: household, fields: ["incomeWage": 6000])
            let visit = try await old.recordVisit(VisitDraft(kind: "household", householdId: household,
                                                             visitedAt: "2026-11-20T09:30:00+08:00", notes: "旧版应用"))
            let report = try await old.sync()
            #expect(report.newRejections == 0)
            #expect(try await old.pendingCount() == 0, "the old app's outbox did not upload")
            #expect(try await old.rejectedWrites().isEmpty)
            let merged = try #require(try await store.record(RecordKey(.households, household)))
            #expect(merged.fields["incomeWage"] == 6000, "the later stamp wins")
            #expect(merged.openConflicts.isEmpty)
            #expect(try await store.conflicts(ConflictQuery(status: nil, recordId: household)).isEmpty)
            #expect(try await store.record(RecordKey(.visits, visit)) != nil)

            // Both converge, each with the numbers of its own protocol, and each passes the integrity check.
            try await new.sync()
            try await old.sync()
            for client in [old, new] {
                #expect(try await client.record(collection: .households, id: household)?.fields["incomeWage"] == 6000)
                #expect(try await client.record(collection: .visits, id: visit) != nil)
                let integrity = try await client.verifyIntegrity()
                #expect(integrity.purged.isEmpty && integrity.refetched.isEmpty && !integrity.resynced)
            }
            #expect(try await old.record(collection: .households, id: household)?.version == merged.position)
            #expect(try await new.record(collection: .households, id: household)?.version == merged.version)
            try await oldTransport.shutdown()
            try await newTransport.shutdown()
        }
    }
}
