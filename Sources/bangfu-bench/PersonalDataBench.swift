import ArgumentParser
import FieldDomain
import Foundation
import SyncModel
import SyncService
import SyncStore
import SyncStoreSQLite
import SyncTesting

/// `bangfu-bench personal`: what encrypting personal data at rest costs a pull (docs/personal-data.md). Two
/// SQLite databases hold the same county, one with ID and phone numbers in plaintext (as before issue 9),
/// one encrypted. Rounds alternate: a whole-county pull from each, both masked for a phone as the service
/// masks them, so the ratio is the cipher's cost alone, measured in the same minutes.
struct PersonalDataBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "personal", abstract: "Pull cost with personal data encrypted at rest against plaintext.")

    @Option(help: "Households in the county.") var households = 3000
    @Option(help: "Alternating rounds.") var rounds = 7

    func run() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bangfu-bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let plain = try SQLiteSyncStore(path: directory.appendingPathComponent("plain.sqlite").path)
        let encrypted = PersonalDataStore(wrapping: try SQLiteSyncStore(path: directory.appendingPathComponent("enc.sqlite").path),
                                          cipher: TestKeys.cipher)
        let county = try await StoreFixture.make(plain, households: households, seed: 42).county
        _ = try await StoreFixture.make(encrypted, households: households, seed: 42)
        let personal = county.allRecords.reduce(0) { sum, record in
            sum + Domain.schema(for: record.collection).personalFields.filter { record.fields[$0.name] != nil }.count
        }
        print("county: \(households) households, \(county.allRecords.count) records, \(personal) personal values")
        var times: [String: [Double]] = ["plaintext": [], "encrypted": []]
        var records = 0
        for round in 0..<rounds {
            // Alternate which goes first, so drift over the run falls on both alike.
            let order: [(String, any SyncStore)] = round % 2 == 0
                ? [("plaintext", plain), ("encrypted", encrypted)] : [("encrypted", encrypted), ("plaintext", plain)]
            for (label, store) in order {
                let started = ContinuousClock.now
                records = try await Self.pullAll(store)
                times[label]!.append(BenchSupport.seconds(ContinuousClock.now - started))
            }
        }
        let plainMedian = BenchSupport.percentile(times["plaintext"]!, 0.5)
        let encMedian = BenchSupport.percentile(times["encrypted"]!, 0.5)
        for (label, median) in [("plaintext", plainMedian), ("encrypted", encMedian)] {
            print(String(format: "%@: full pull of %d records, median %.1f ms, %.2f µs per record", label, records,
                         median * 1000, median * 1_000_000 / Double(records)))
        }
        print(String(format: "encrypted / plaintext: %.2f×; the cipher adds %.2f µs per personal value", encMedian / plainMedian,
                     (encMedian - plainMedian) * 1_000_000 / Double(personal)))
    }

    /// Pulls the whole county from the empty cursor, masking as `SyncService.pull` does; returns the record count.
    static func pullAll(_ store: any SyncStore) async throws -> Int {
        var after: Int64 = 0
        var count = 0
        while true {
            let page = try await store.pull(PullQuery(deviceId: "bench", scope: .all, after: after, maxBytes: 4_194_304))
            for case .record(let record) in page.items {
                let fields = PersonalDataMask.forPhones(record.fields, of: record.collection)
                count += fields.isEmpty ? 0 : 1
            }
            after = page.cursor
            if !page.hasMore { return count }
        }
    }
}
