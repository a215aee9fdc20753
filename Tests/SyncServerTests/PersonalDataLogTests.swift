import FieldDomain
import Foundation
import Logging
import SyncModel
import SyncService
import SyncStore
import SyncTesting
import Testing

/// ID numbers and phone numbers never reach a log line (DESIGN §4; issue 9): every line the server and the
/// simulated phones log, at every level, through a whole simulated run over TLS with network faults and
/// deliberately invalid writes, is searched for every ID number and phone number the county holds, was
/// written, or was refused.
@Suite struct PersonalDataLogTests {
    /// The ID and phone numbers in `value`, whichever fields hold them (the field catalog names the kinds).
    static func personal(in fields: [String: JSONValue], schema: CollectionSchema?) -> [String] {
        let kinds = Dictionary(uniqueKeysWithValues: (schema?.fields ?? []).map { ($0.name, $0.kind) })
        return fields.compactMap { name, value -> String? in
            guard let text = value.stringValue, text.count >= 7 else { return nil }
            switch kinds[name] {
            case .idNumber?, .phone?: return text
            default: return name == "idNumber" || name == "phone" ? text : nil
            }
        }
    }

    @Test func noLogLineOfASimulatedRunHoldsAnIDOrPhoneNumber() async throws {
        let capture = LogCapture()
        let store = MemorySyncStore()
        let fixture = try await StoreFixture.make(store, households: 120, seed: 11)
        let certificates = try LiveServer.makeCertificates()
        defer { try? FileManager.default.removeItem(at: certificates.directory) }
        let adminToken = "pii-log-admin-token-0123456789"
        var config = SimulationConfig()
        config.seed = 11
        config.devices = 12
        config.days = 2
        config.invalidWriteRate = 0.2
        config.faults = .init(dropRequest: 0.05, dropResponse: 0.05, duplicate: 0.05)
        config.deviceLogger = capture.logger(label: "bangfu.sim.device")
        let report = try await LiveServer.run(store: store, certificates: certificates, adminToken: adminToken,
                                              logger: capture.logger(label: "bangfu.server")) { [config] port, _ in
            let server = try HTTPSimulationServer(url: "https://127.0.0.1:\(port)", caCertificatePath: certificates.ca,
                                                  adminToken: adminToken)
            return try await Simulation(config: config, server: server).run()
        }
        #expect(report.passed, "seed 11: \(report.failures.prefix(3))")
        #expect(report.rejected > 0, "the run must include refused writes (invalid ID numbers)")

        var secrets = Set<String>()
        for record in fixture.county.allRecords {
            secrets.formUnion(Self.personal(in: record.fields, schema: Domain.schema(for: record.collection)))
        }
        for collection in [CollectionName.members, .households, .helpers] {
            var after: Int64 = 0
            while true {
                let page = try await store.pull(PullQuery(
                    deviceId: "pii-check", scope: .principal(.admin(id: "operator", role: .operator, region: "")),
                    after: after, maxBytes: 4 << 20))
                for record in page.records where record.collection == collection {
                    secrets.formUnion(Self.personal(in: record.fields, schema: Domain.schema(for: collection)))
                }
                after = page.cursor
                if !page.hasMore { break }
            }
        }
        for rejection in try await store.rejections(deviceIds: nil, limit: 100_000) {
            if let fields = rejection.mutation.objectValue?["fields"]?.objectValue {
                secrets.formUnion(Self.personal(in: fields, schema: nil))
            }
        }
        let lines = capture.text.split(separator: "\n").map(String.init)
        #expect(secrets.count > 100, "the county should hold many ID and phone numbers (\(secrets.count))")
        #expect(lines.count > 100, "the run should have logged (\(lines.count) lines)")
        var leaks: [String] = []
        for line in lines {
            for secret in secrets where line.contains(secret) { leaks.append(String(line.prefix(200))) }
        }
        #expect(leaks.isEmpty, "\(leaks.count) log lines hold personal data, e.g. \(leaks.prefix(3))")
    }
}
