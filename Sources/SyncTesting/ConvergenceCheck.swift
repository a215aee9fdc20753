import SyncClient
import SyncModel
import SyncService

/// The end-of-run proof: compares every device with the server's data for that device.
struct ConvergenceCheck: Sendable {
    let server: any SimulationServer
    let ledger: SimulationLedger

    static let collections: [CollectionName] = [.households, .members, .visits, .assignments, .helpers]

    func verify(_ devices: [VirtualDevice], report: inout SimulationReport) async throws -> [String] {
        var failures: [String] = []
        let sequences = try await server.lastAppliedSeqs()
        var serverHouseholds: [String: RecordChange] = [:]
        // Every device's server view, and their union: a household may have moved to another helper since
        // a device wrote to it, so what a device wrote is looked for wherever it is now.
        var views: [String: [RecordKey: RecordChange]] = [:]
        var everything: [RecordKey: RecordChange] = [:]
        for device in devices {
            let view = try await serverView(session: device.session)
            views[device.deviceId] = view
            everything.merge(view) { first, _ in first }
        }
        for device in devices {
            let id = device.deviceId
            let pending = try await device.client.pendingCount()
            if pending != 0 { failures.append("\(id): \(pending) mutations still in the outbox") }
            let written = ledger.writes[id] ?? 0
            if sequences[id] != Int64(written) {
                failures.append("\(id): server applied seq \(sequences[id] ?? -1), device wrote \(written)")
            }

            let rejected = try await device.client.rejectedWrites()
            let expectedInvalid = ledger.invalid[id] ?? []
            let rejectedIds = Set(rejected.compactMap { $0.mutation?.recordId })
            if rejectedIds != expectedInvalid || rejected.count != expectedInvalid.count {
                failures.append("\(id): rejected \(rejected.map { "\($0.mutation?.recordId ?? "?")=\($0.code)" }) but expected exactly \(expectedInvalid.sorted())")
            }
            for rejection in rejected where rejection.code != .invalidIdNumber {
                failures.append("\(id): unexpected rejection code \(rejection.code) for seq \(rejection.seq)")
            }
            report.rejected += rejected.count
            report.applied += written - rejected.count

            // The server's data for this device, read fresh from the empty cursor on a clean transport.
            let view = views[id] ?? [:]
            var local: [RecordKey: LocalRecord] = [:]
            for collection in Self.collections {
                for record in try await device.client.records(in: collection) {
                    local[RecordKey(collection, record.id)] = record
                }
            }
            let serverKeys = Set(view.keys)
            let localKeys = Set(local.keys)
            if serverKeys != localKeys {
                let missing = serverKeys.subtracting(localKeys).prefix(3)
                let extra = localKeys.subtracting(serverKeys).prefix(3)
                failures.append("\(id): local records differ from server (missing \(Array(missing)), extra \(Array(extra)))")
            }
            for (key, change) in view {
                guard let mine = local[key] else { continue }
                if mine.fields != change.fields || mine.version != change.version {
                    failures.append("\(id): \(key) local v\(mine.version ?? -1) ≠ server v\(change.version)")
                }
                if mine.openConflicts != (change.openConflicts ?? []) {
                    failures.append("\(id): \(key) shows other open conflicts than the server")
                }
                if key.collection == .households { serverHouseholds[key.id] = change }
            }
            let myVisits = everything.values.filter { $0.collection == "visits" && $0.fields["deviceId"]?.stringValue == id }
            let sentVisits = ledger.visits[id] ?? [:]
            if myVisits.count != sentVisits.count {
                failures.append("\(id): server holds \(myVisits.count) of its visits, device recorded \(sentVisits.count)")
            }
            for (visitId, fields) in sentVisits {
                guard let stored = everything[RecordKey(.visits, visitId)] else {
                    failures.append("\(id): accepted visit \(visitId) missing on the server")
                    continue
                }
                for (name, value) in fields where stored.fields[name] != value {
                    failures.append("\(id): visit \(visitId) field \(name) differs on the server")
                }
            }
            for (memberId, fields) in ledger.members[id] ?? [:] {
                guard let stored = everything[RecordKey(.members, memberId)] else {
                    failures.append("\(id): accepted member \(memberId) missing on the server")
                    continue
                }
                // The view is a phone's: ID numbers come back masked (protocol/security.md §5). What the server
                // keeps is read whole as the operator reads it.
                if stored.fields != PersonalDataMask.forPhones(fields, of: .members) {
                    failures.append("\(id): member \(memberId) differs on the server")
                } else if try await server.record(collection: "members", id: memberId) != fields {
                    failures.append("\(id): member \(memberId) is kept with other values than the device wrote")
                }
            }
            for memberId in expectedInvalid where everything[RecordKey(.members, memberId)] != nil {
                failures.append("\(id): rejected member \(memberId) reached the server")
            }
        }
        // Last writer wins: no accepted write is lost. The server's stamp for every household field written in
        // this run is at least the newest of those writes, and where it is that very write, so is the value.
        // (A newer stamp can only come from outside this run, e.g. an earlier run against the same database.)
        for (household, fields) in ledger.householdFields {
            guard let stored = serverHouseholds[household] else { continue }
            for (field, write) in fields {
                guard let stamp = stored.stamps[field], stamp >= write.stamp else {
                    failures.append("household \(household).\(field): the newest write \(write.stamp) was lost")
                    continue
                }
                if stamp == write.stamp && stored.fields[field] != write.value {
                    failures.append("household \(household).\(field): server holds another value under stamp \(stamp)")
                }
            }
        }
        return failures
    }

    /// Only the view comparison (after an admin changed records): every device equals its server view, has
    /// nothing unsent, and no record is left with an open conflict.
    func verifyViews(_ devices: [VirtualDevice]) async throws -> [String] {
        var failures: [String] = []
        for device in devices {
            let view = try await serverView(session: device.session)
            var localCount = 0
            for collection in Self.collections {
                for record in try await device.client.records(in: collection) {
                    localCount += 1
                    let key = RecordKey(collection, record.id)
                    guard let change = view[key] else {
                        failures.append("\(device.deviceId): \(key) is not on the server")
                        continue
                    }
                    if record.fields != change.fields || record.version != change.version {
                        failures.append("\(device.deviceId): \(key) local v\(record.version ?? -1) ≠ server v\(change.version)")
                    }
                    if record.needsReview { failures.append("\(device.deviceId): \(key) still shows 待核实") }
                }
            }
            if localCount != view.count {
                failures.append("\(device.deviceId): holds \(localCount) records, the server has \(view.count) for it")
            }
            if try await device.client.pendingCount() != 0 { failures.append("\(device.deviceId): unsent mutations") }
        }
        return failures
    }

    private func serverView(session: DeviceSession) async throws -> [RecordKey: RecordChange] {
        try await ServerView.fetch(try server.transport(session: session))
    }
}
