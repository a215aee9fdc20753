import FieldDomain
import SyncModel
import SyncClient
import SyncEngine
import SyncService
import SyncStore

/// The simulator against a `SyncService` in this process (tests; `bangfu-sim` with no `--url`).
public struct InProcessSimulationServer: SimulationServer {
    let service: SyncService

    package init(service: SyncService) { self.service = service }

    public func helpers(limit: Int) async throws -> [String] {
        var result: [String] = []
        var offset = 0
        while result.count < limit {
            let page = try await service.helpers(limit: 500, offset: offset)
            if page.helpers.isEmpty { break }
            result += page.helpers.filter { $0.households > 0 }.map(\.id)
            offset += page.helpers.count
        }
        return Array(result.prefix(limit))
    }

    public func enroll(helperId: String) async throws -> DeviceSession {
        let issued = try await service.issueEnrolmentCode(
            helperId: helperId, adminId: nil, label: "simulator", expiresInHours: 1,
            by: .admin(id: SyncService.operatorId, role: .operator, region: ""))
        return try await DeviceSession.enrol(code: issued.code, label: "bangfu-sim",
                                             transport: InProcessTransport(service: service, session: nil),
                                             store: MemoryCredentialStore())
    }

    public func transport(session: DeviceSession) throws -> any SyncTransport {
        InProcessTransport(service: service, session: session)
    }

    public func lastAppliedSeqs() async throws -> [String: Int64] {
        let states = try await service.deviceStates().devices
        return Dictionary(uniqueKeysWithValues: states.map { ($0.deviceId, $0.lastAppliedSeq) })
    }

    public func openConflicts(limit: Int) async throws -> [(id: String, kind: String)] {
        try await service.conflicts(ConflictQuery(status: .open, limit: limit)).map { ($0.id, $0.kind.rawValue) }
    }

    public func resolveConflict(id: String, choice: String, reason: String) async throws -> Int {
        guard let side = Conflict.Side(rawValue: choice) else { throw ConformanceFailure("unknown side \(choice)") }
        do {
            return try await service.resolveConflict(id: id, request: .init(choice: side, value: nil, reason: reason,
                                                                            resolvedBy: "bangfu-sim")).count
        } catch let error as ServiceError where error.code == .conflictNotOpen {
            return 0
        }
    }

    public func assign(household: String, helper: String, replacing: String?) async throws {
        _ = try await service.assign(household: household, helper: helper, replacing: replacing,
                                     by: .admin(id: SyncService.operatorId, role: .operator, region: ""))
    }

    public func record(collection: String, id: String) async throws -> [String: JSONValue]? {
        guard let name = CollectionName(rawValue: collection) else { return nil }
        do {
            return try await service.adminRecord(RecordKey(name, id),
                                                 by: .admin(id: SyncService.operatorId, role: .operator, region: "")).fields
        } catch let error as ServiceError where error.code == .recordNotFound {
            return nil
        }
    }

    public func cards(household: String) async throws -> [CardMessage] {
        try await service.cards(ofHousehold: household, by: Self.operatorPrincipal)
    }

    public func outdatedCardHouseholds() async throws -> Set<String> {
        var result = Set<String>()
        var after: (village: String, household: String)?
        while true {
            let page = try await service.householdCards(status: .outdated, region: nil, after: after, limit: 1000,
                                                        by: Self.operatorPrincipal)
            result.formUnion(page.map(\.householdId))
            guard page.count == 1000, let last = page.last else { return result }
            after = (last.villageCode, last.householdId)
        }
    }

    static let operatorPrincipal = Principal.admin(id: SyncService.operatorId, role: .operator, region: "")

    public func shutdown() async throws {}
}
