import FieldDomain
import SyncClient
import SyncEngine
import SyncModel
import SyncService
import SyncStore
import Synchronization

/// What the devices and the admin do in a randomized history. Values come from small pools so that
/// concurrent writes are sometimes equal (no conflict) and often not.
final class HistoryScript: Sendable {
    let world: HistoryWorld
    let choices: HistoryChoices
    let service: SyncService
    let log: HistoryLog
    let limbo: Limbo
    let scopes: HistoryScopes
    private let deletedMembers = Mutex<Set<String>>([])

    init(world: HistoryWorld, choices: HistoryChoices, service: SyncService, log: HistoryLog, limbo: Limbo,
         scopes: HistoryScopes) {
        self.scopes = scopes
        self.world = world
        self.choices = choices
        self.service = service
        self.log = log
        self.limbo = limbo
    }

    /// Household fields the histories write, with the values they pick from: reviewed, ordinary and policy
    /// elements (`null` removes an element). Status and monitoring category are made to agree on the
    /// device, as the app does (`agreeing(_:with:)`).
    static let householdValues: [(String, [JSONValue])] = [
        ("incomeWage", [12000, 15000, 18000]),
        ("incomeBusiness", [0, 2000, 5000]),
        ("causes", [["illness"], ["illness", "lackSkills"], ["disability"]]),
        ("status", ["lifted", "notLifted", "monitored"]),
        ("monitoringCategory", MonitoringCategory.allCases.map { .string($0.rawValue) }),
        ("phone", ["13800000001", "13800000002", "13900000003"]),
        ("address", ["老屋", "新村12号", "安置点3栋"]),
        ("drinkingWaterSecure", [true, false]),
        ("policies.dibao", [.object(["amount": 3000]), .object(["amount": 3600]), .null]),
        ("policies.medicalAid", [.object(["amount": 800]), .null]),
        ("policies.industrySubsidy", [.object(["amount": 1500]), .null]),
    ]

    static func values(for field: String) -> [JSONValue] {
        householdValues.first { $0.0 == field }?.1 ?? []
    }

    /// `fields` completed as the app completes an edit of `household` so that the status/monitoring category
    /// rule holds on the device: entering monitoring picks a category, leaving it clears the category, and
    /// a category on a household that is not monitored puts it under monitoring. A status written alone
    /// between two statuses that are not `monitored` stays alone (the case that meets a concurrent
    /// `{monitored, category}` from another helper).
    func agreeing(_ fields: [String: JSONValue], with household: LocalRecord) -> [String: JSONValue] {
        var fields = fields
        let monitored: JSONValue = .string(HouseholdStatus.monitored.rawValue)
        let wasMonitored = household.fields["status"] == monitored
        if let category = fields["monitoringCategory"], !category.isNull, fields["status"] == nil, !wasMonitored {
            fields["status"] = monitored
        }
        let willBeMonitored = (fields["status"] ?? household.fields["status"] ?? .null) == monitored
        if willBeMonitored && !wasMonitored && (fields["monitoringCategory"] ?? .null).isNull {
            fields["monitoringCategory"] = choices.pick(Self.values(for: "monitoringCategory"))
        } else if !willBeMonitored {
            if wasMonitored { fields["monitoringCategory"] = .null } else { fields["monitoringCategory"] = nil }
        }
        return fields
    }

    /// One local write on `device`; false when it had nothing to write to.
    func write(_ device: ConvergenceHistory.Device) async throws -> Bool {
        let households = try await device.client.households()
        guard !households.isEmpty else { return false }
        let household = choices.pick(households)
        let roll = choices.int(0...99)
        switch roll {
        case 0..<45:
            var fields: [String: JSONValue] = [:]
            for _ in 0..<(choices.chance(30) ? 2 : 1) {
                let (field, values) = choices.pick(Self.householdValues)
                fields[field] = choices.pick(values)
            }
            try await device.client.updateHousehold(id: household.id, fields: agreeing(fields, with: household))
        case 45..<70:
            let id = try await device.client.recordVisit(draft(household: household.id))
            device.visits.withLock { $0.append(id) }
        case 70..<78:
            let earlier = device.visits.withLock { $0 }
            guard !earlier.isEmpty else { return false }
            let original = choices.pick(earlier)
            var correction = draft(household: household.id)
            correction.householdId = try await device.client.record(collection: .visits, id: original)?
                .fields["householdId"]?.stringValue ?? household.id
            correction.notes = "更正：上次走访记录的收入数字有误。"
            _ = try await device.client.amendVisit(original, with: correction)
        default:
            let members = try await device.client.members(of: household.id)
            guard !members.isEmpty else { return false }
            let member = choices.pick(members)
            if choices.chance(50), let pool = world.idNumbers[member.id] {
                try await device.client.updateMember(id: member.id, fields: ["idNumber": .string(choices.pick(pool))])
            } else {
                let health = choices.pick(HealthStatus.allCases).rawValue
                try await device.client.updateMember(id: member.id, fields: ["health": .string(health)])
            }
        }
        return true
    }

    private func draft(household: String) -> VisitDraft {
        VisitDraft(kind: "household", householdId: household, visitedAt: "2026-11-20T09:30:00+08:00",
                   notes: "入户走访：核实收入与两不愁三保障。", problems: ["饮水水压不足"], measures: ["联系水务站检修"])
    }

    /// One sync; during the history a sync may give up (bad network), at the end it must succeed.
    func sync(_ device: ConvergenceHistory.Device, required: Bool) async throws {
        do {
            try await device.client.sync()
        } catch let error as SyncError where !required && error.kind == .retriesExhausted {
            return
        }
    }

    /// An admin moves a household: assigns it to a helper who does not have it (often ending another
    /// helper's assignment), or ends one of two or more assignments. False when nothing was changed.
    func reassign(now: Int64) async throws -> Bool {
        let household = choices.pick(world.householdIds)
        let current = scopes.helpers(of: household)
        let others = world.helperIds.filter { !current.contains($0) }
        var added: String?
        var ended: String?
        if !others.isEmpty {
            added = choices.pick(others)
            if !current.isEmpty && choices.chance(60) { ended = choices.pick(current.sorted()) }
            _ = try await service.assign(household: household, helper: added!, replacing: ended, by: Self.admin)
        } else if current.count >= 2 {
            ended = choices.pick(current.sorted())
            _ = try await service.endAssignment(household: household, helper: ended!, by: Self.admin)
        } else {
            return false
        }
        if let added { scopes.assign(household, to: added) }
        if let ended { scopes.end(household, for: ended) }
        log.append(.reassign(household: household, added: added, ended: ended, effectiveAt: now))
        return true
    }

    static let admin = Principal.admin(id: SyncService.operatorId, role: .operator, region: "")

    /// An admin deletes a member that still exists; false when none is left.
    func deleteMember() async throws -> Bool {
        let all = world.members.values.flatMap { $0 }.sorted()
        let remaining = deletedMembers.withLock { deleted in all.filter { !deleted.contains($0) } }
        guard !remaining.isEmpty else { return false }
        let id = choices.pick(remaining)
        let tombstone = try await service.deleteRecord(RecordKey(.members, id))
        deletedMembers.withLock { _ = $0.insert(id) }
        log.append(.adminDelete(RecordKey(.members, id), version: tombstone.version))
        return true
    }

    /// What the review must leave behind.
    struct Review: Sendable {
        var resolved = 0
        /// Field values the resolutions wrote, last resolution last.
        var values: [RecordKey: [String: JSONValue]] = [:]
        /// Whether each record touched by a deleted-conflict resolution ends deleted.
        var deleted: [RecordKey: Bool] = [:]
    }

    /// An admin resolves every open conflict, oldest first, choosing a side or entering a value at random.
    func resolveAll(store: any SyncStore) async throws -> Review {
        var review = Review()
        let open = try await store.conflicts(ConflictQuery(status: .open, limit: .max))
            .sorted { ($0.openedVersion, $0.id) < ($1.openedVersion, $1.id) }
        for conflict in open {
            // Choosing a side settles the other conflicts of the same edit too: skip those.
            guard try await store.conflict(id: conflict.id)?.status == .open else { continue }
            let key = RecordKey(conflict.collection, conflict.recordId)
            let wasDeleted = try await store.record(key)?.deleted ?? true
            // `JSONValue` is nil-literal convertible: `.none` spells "no value", `nil` would be JSON null.
            var attempts: [(Conflict.Side, JSONValue?)]
            switch conflict.kind {
            case .deleted:
                attempts = [(choices.pick([.existing, .incoming]), .none)]
            default:
                let pool = conflict.field == "idNumber"
                    ? (world.idNumbers[conflict.recordId] ?? []).map(JSONValue.string) : Self.values(for: conflict.field ?? "")
                let choice = choices.pick([Conflict.Side.existing, .incoming, .value])
                attempts = [(choice, choice == .value ? .some(choices.pick(pool)) : .none)]
                // A choice that would break a record rule (status `monitored` where no category is held, a
                // category on a household no longer monitored) is refused: the admin then tries the others.
                attempts += [(.existing, .none), (.incoming, .none)] + (pool + [.null]).map { (.value, .some($0)) }
            }
            var outcome: (settled: [Conflict], choice: Conflict.Side, value: JSONValue?)?
            for (choice, value) in attempts {
                do {
                    let settled = try await service.resolveConflict(
                        id: conflict.id,
                        request: .init(choice: choice, value: value, reason: "入户核实后确认", resolvedBy: "县管理员"))
                    outcome = (settled, choice, value)
                    break
                } catch let refusal as ServiceError where refusal.code == .monitoringCategoryMismatch {
                    continue
                }
            }
            guard let (settled, choice, value) = outcome else {
                throw ServiceError(.monitoringCategoryMismatch, "no resolution of \(conflict.id) keeps the record rules")
            }
            review.resolved += settled.count
            for resolved in settled {
                switch resolved.kind {
                case .hard where !wasDeleted:
                    let expected = choice == .existing ? resolved.existing.value
                        : choice == .incoming ? resolved.incoming.value : value!
                    review.values[key, default: [:]][resolved.field!] = expected
                case .deleted where choice == .incoming && wasDeleted:
                    review.deleted[key] = false
                    for (field, value) in resolved.incoming.value.objectValue ?? [:] {
                        review.values[key, default: [:]][field] = value
                    }
                case .deleted:
                    if review.deleted[key] == nil { review.deleted[key] = wasDeleted }
                default:
                    break
                }
            }
            // Settling a household's status to anything but `monitored` clears its category too.
            let settledFields = Set(settled.compactMap(\.field))
            if !wasDeleted, key.collection == .households, let status = review.values[key]?["status"],
                settledFields.contains("status"), !settledFields.contains("monitoringCategory"),
                status != .string(HouseholdStatus.monitored.rawValue)
            {
                review.values[key, default: [:]]["monitoringCategory"] = .null
            }
        }
        return review
    }
}
