import ArgumentParser
import FieldDomain
import Foundation
import SyncModel
import SyncService
import SyncStoreSQLite
import SyncTesting

/// The incremental-pull stage of `bangfu-bench scopes`. In each county a helper with three households, its
/// village admin and its county admin each hold a phone at the head. Every round another helper in
/// another village pushes `elsewhere` visits and the helper edits one of its households; then each phone
/// pulls once, timed. The helper's and the village admin's pulls carry the one edit, the county admin's
/// the edit and the visits. A pull that walked the county's log or its region's records would cost more
/// in the large county; one that reads its scope's changes since the cursor costs the same.
extension ScopeBench {
    /// A phone that pulls, with its timings.
    final class Reader {
        let label: String
        let identity: DeviceIdentity
        var cursor: String?
        var micros: [Double] = []
        var delivered = 0

        init(label: String, identity: DeviceIdentity) {
            self.label = label
            self.identity = identity
        }
    }

    /// One county: the readers, the helper's device (also the first reader) and the writer elsewhere.
    final class PullSubject {
        let households: Int
        let service: SyncService
        let readers: [Reader]
        let ownHousehold: String
        let writer: DeviceIdentity
        let writerHousehold: String
        var helperSeq: Int64 = 0
        var writerSeq: Int64 = 0

        init(households: Int, service: SyncService, readers: [Reader], ownHousehold: String, writer: DeviceIdentity,
             writerHousehold: String) {
            self.households = households
            self.service = service
            self.readers = readers
            self.ownHousehold = ownHousehold
            self.writer = writer
            self.writerHousehold = writerHousehold
        }
    }

    func subject(households: Int, path: String) async throws -> PullSubject {
        let started = ContinuousClock.now
        let store = try SQLiteSyncStore(path: path)
        let fixture = try await StoreFixture.make(store, households: households, seed: 42)
        let records = fixture.county.allRecords.count
        let service = SyncService(store: store, now: { BenchSupport.nowMillis() }, randomBytes: { Self.random.bytes($0) },
                                  auditKey: TestKeys.key, cipher: TestKeys.cipher, logger: BenchSupport.quietLogger)
        // The same kind of helper in both counties: one with exactly three households.
        var byHelper: [String: [String]] = [:]
        for assignment in fixture.county.assignments {
            if let helper = assignment.scope.helperId, let household = assignment.scope.householdId {
                byHelper[helper, default: []].append(household)
            }
        }
        guard let helper = byHelper.keys.sorted().first(where: { byHelper[$0]!.count == 3 }) else {
            throw ValidationError("no helper with three households")
        }
        let own = byHelper[helper]!.sorted()
        guard let village = Scope.village(ofHousehold: own[0]),
            let (other, theirs) = byHelper.sorted(by: { $0.key < $1.key })
                .first(where: { $0.key != helper && !$0.value.contains { $0.hasPrefix(village) } })
                .map({ ($0.key, $0.value.sorted()) })
        else { throw ValidationError("no helper outside the first helper's village") }
        let operatorPrincipal = Principal.admin(id: "operator", role: .operator, region: "")
        var readers: [Reader] = []
        let device = try await service.enroll(helperId: helper, label: nil, expiresInDays: 1)
        readers.append(Reader(label: "helper", identity: DeviceIdentity(deviceId: device.deviceId, helperId: helper)))
        for (role, region) in [(AdminRole.village, village), (.county, String(village.prefix(6)))] {
            let (account, _) = try await service.createAdmin(name: role.displayName, role: role, region: region,
                                                             by: operatorPrincipal)
            let phone = try await service.enrollAdminDevice(adminId: account.id, label: nil, expiresInDays: 1,
                                                            by: operatorPrincipal)
            readers.append(Reader(label: "\(role.rawValue) admin",
                                  identity: DeviceIdentity(deviceId: phone.deviceId, principal: account.principal)))
        }
        let writer = try await service.enroll(helperId: other, label: nil, expiresInDays: 1)
        let subject = PullSubject(households: households, service: service, readers: readers, ownHousehold: own[0],
                                  writer: DeviceIdentity(deviceId: writer.deviceId, helperId: other),
                                  writerHousehold: theirs[0])
        // Every phone bootstraps first: the timed pulls start from the head.
        var held: [String] = []
        for reader in readers {
            var count = 0
            while true {
                let page = try await service.pull(cursor: reader.cursor, maxBytes: pageBytes, clientVersion: nil,
                                                  from: reader.identity)
                count += page.changes.count
                reader.cursor = page.cursor
                if !page.hasMore { break }
            }
            held.append("\(reader.label) \(count)")
        }
        print(String(format: "  seeded %7d households (%8d records) in %6.1f s; records held: %@",
                     households, records, BenchSupport.seconds(ContinuousClock.now - started),
                     held.joined(separator: ", ")))
        return subject
    }

    /// One round: writes elsewhere and one in the helper's scope, then each phone's timed pull.
    func round(_ subject: PullSubject) async throws {
        let body = BenchSupport.visitPush(deviceId: subject.writer.deviceId, household: subject.writerHousehold,
                                          after: subject.writerSeq, count: elsewhere, uuid: Self.uuid)
        subject.writerSeq += Int64(elsewhere)
        _ = try await subject.service.push(try PushEnvelope.parse(body), from: subject.writer)
        subject.helperSeq += 1
        let helper = subject.readers[0].identity
        let edit: JSONValue = [
            "deviceId": .string(helper.deviceId),
            "mutations": [["seq": .int(subject.helperSeq), "collection": "households",
                           "recordId": .string(subject.ownHousehold), "op": "set",
                           "fields": ["incomeWage": .int(10_000 + subject.helperSeq)],
                           "stamp": .string(HLCTimestamp(physical: BenchSupport.nowMillis(), logical: 0,
                                                         node: helper.deviceId).wireValue)]],
        ]
        _ = try await subject.service.push(try PushEnvelope.parse(JSONWriter.bytes(edit)), from: helper)

        for reader in subject.readers {
            let start = ContinuousClock.now
            let page = try await subject.service.pull(cursor: reader.cursor, maxBytes: pageBytes, clientVersion: nil,
                                                      from: reader.identity)
            _ = try Self.encoder.encode(page)
            reader.micros.append(BenchSupport.seconds(ContinuousClock.now - start) * 1e6)
            let visits = page.changes.count { $0.collection == "visits" }
            let expectedVisits = reader.label == "county admin" ? elsewhere : 0
            guard !page.hasMore, page.changes.contains(where: { $0.recordId == subject.ownHousehold }),
                visits == expectedVisits
            else { throw ValidationError("\(reader.label) pulled \(page.changes.count) changes, \(visits) visits") }
            reader.delivered += page.changes.count
            reader.cursor = page.cursor
        }
    }

    func benchIncrementalPull(in directory: URL) async throws {
        print("scopes/pull: incremental pulls, \(rounds) rounds per county, \(elsewhere) visits pushed in another village between pulls")
        let smallCounty = try await subject(households: small, path: directory.appendingPathComponent("small.sqlite").path)
        let largeCounty = try await subject(households: large, path: directory.appendingPathComponent("large.sqlite").path)
        // Warm both, then alternate so that drift in machine speed falls on both alike.
        for _ in 0..<20 { try await round(smallCounty); try await round(largeCounty) }
        for reader in smallCounty.readers + largeCounty.readers { reader.micros = []; reader.delivered = 0 }
        for _ in 0..<rounds { try await round(smallCounty); try await round(largeCounty) }
        for (index, reader) in smallCounty.readers.enumerated() {
            let large = largeCounty.readers[index]
            for (households, subject) in [(small, reader), (self.large, large)] {
                print(String(format: "  %-13@ %7d households: pull p50 %8.1f µs  p90 %8.1f µs  p99 %8.1f µs  (%d changes)",
                             subject.label as NSString, households, BenchSupport.percentile(subject.micros, 0.5),
                             BenchSupport.percentile(subject.micros, 0.9), BenchSupport.percentile(subject.micros, 0.99),
                             subject.delivered))
            }
            print(String(format: "  %-13@ ratio large/small (p50): %.3f", reader.label as NSString,
                         BenchSupport.percentile(large.micros, 0.5) / BenchSupport.percentile(reader.micros, 0.5)))
        }
    }
}
