import FieldDomain
import SyncEngine
import SyncModel

/// An independent, deliberately naive statement of the merge rules (DESIGN §3.7, protocol/conflicts.md):
/// it replays what the server processed, in the order it processed it, and says what every outcome, every
/// field and the set of conflicts must be. The engine keeps per-record dictionaries and a planner; this
/// keeps one line of state per field and the rules in a dozen lines, so a mistake in either shows up as a
/// disagreement.
struct ReferenceModel {
    struct FieldState: Equatable {
        var value: JSONValue
        var stamp: HLCTimestamp
        /// The record version at which this value was written.
        var version: Int64
        var writer: String
    }

    private(set) var fields: [RecordKey: [String: FieldState]] = [:]
    /// Tombstone versions of deleted records.
    private(set) var deleted: [RecordKey: Int64] = [:]
    /// Hard conflicts that must exist, by id, with their record.
    private(set) var expectedHard: [String: RecordKey] = [:]
    /// `deleted` conflicts that must exist.
    private(set) var expectedDeleted: Set<String> = []
    /// Visits the server accepted, by id, with the device that wrote them.
    private(set) var acceptedVisits: [String: String] = [:]
    /// Accepted mutations replayed.
    private(set) var applied = 0
    private(set) var failures: [String] = []
    /// Who each device acts for, and the helpers' households as the history assigned them.
    private let holders: [String: HistoryScopes.Holder]
    private var assigned: [String: Set<String>]
    /// Households that left a helper, with the server time the departure took effect.
    private var departed: [String: [String: Int64]] = [:]
    /// Writes refused as `scope_revoked`, and writes made before a departure and applied after it.
    private(set) var revoked = 0
    private(set) var appliedAfterDeparture = 0

    /// Starts from the seeded households and members and assignments.
    init(records: [SyncRecord], assigned: [String: Set<String>], holders: [String: HistoryScopes.Holder]) {
        self.assigned = assigned
        self.holders = holders
        for record in records where record.collection == .households || record.collection == .members {
            var state: [String: FieldState] = [:]
            for (name, value) in record.fields {
                let stamp = record.stamps[name] ?? .zero
                state[name] = FieldState(value: value, stamp: stamp, version: record.version, writer: stamp.node)
            }
            fields[RecordKey(record.collection, record.id)] = state
        }
    }

    mutating func replay(_ events: [HistoryLog.Event]) {
        for event in events {
            switch event {
            case .adminDelete(let key, let version):
                deleted[key] = version
            case .reassign(let household, let added, let ended, let effectiveAt):
                if let added {
                    assigned[added, default: []].insert(household)
                    departed[added]?[household] = nil
                }
                if let ended {
                    assigned[ended]?.remove(household)
                    departed[ended, default: [:]][household] = effectiveAt
                }
            case .push(let deviceId, let mutations, let results):
                var bySeq: [Int64: MutationResult] = [:]
                for result in results { if let seq = result.seq { bySeq[seq] = result } }
                for mutation in mutations {
                    guard let result = bySeq[mutation.seq], result.replayed != true, result.status != .retryLater
                    else { continue }
                    apply(mutation, result: result, deviceId: deviceId)
                }
            }
        }
    }

    /// The scope rule of protocol/scopes.md §2 and §5, stated on its own: the code a write must be refused
    /// with, or nil when it is the device's to make.
    private mutating func scopeRefusal(_ mutation: Mutation, deviceId: String) -> ErrorCode? {
        let household: String?
        switch mutation.collection {
        case "households": household = mutation.recordId
        case "members": household = String(mutation.recordId.prefix(16))
        default: household = mutation.fields["householdId"]?.stringValue
        }
        guard let household else { return nil }
        switch holders[deviceId] {
        case .region(let prefix):
            return household.hasPrefix(prefix) ? nil : .outOfScope
        case .helper(let helper):
            if assigned[helper]?.contains(household) == true { return nil }
            guard let effectiveAt = departed[helper]?[household] else { return .outOfScope }
            if mutation.stamp.physical < effectiveAt {
                appliedAfterDeparture += 1
                return nil
            }
            return .scopeRevoked
        case nil:
            return .outOfScope
        }
    }

    private mutating func apply(_ mutation: Mutation, result: MutationResult, deviceId: String) {
        let context = "\(deviceId) seq \(mutation.seq) \(mutation.collection)/\(mutation.recordId)"
        if let refusal = scopeRefusal(mutation, deviceId: deviceId) {
            if result.status != .rejected || result.code != refusal {
                failures.append("\(context): expected rejected \(refusal), got \(result.status) \(result.code?.rawValue ?? "")")
            }
            if refusal == .scopeRevoked { revoked += 1 }
            return
        }
        guard let collection = CollectionName(rawValue: mutation.collection) else { return }
        let key = RecordKey(collection, mutation.recordId)
        guard mutation.op == .set, deleted[key] == nil else {
            guard result.status != .rejected else {
                failures.append("\(context): unexpected rejection \(result.code?.rawValue ?? "?") \(result.message ?? "")")
                return
            }
            applied += 1
            if mutation.op == .create {
                if collection == .visits { acceptedVisits[mutation.recordId] = deviceId }
                expect(result, opened: [], context: context)
            } else {
                let id = Conflict.makeId(deviceId: deviceId, seq: mutation.seq, field: nil)
                expectedDeleted.insert(id)
                expect(result, opened: [id], context: context)
            }
            return
        }
        let schema = Domain.schema(for: collection)
        var opened: [String] = []
        // Per field: whether the write takes it; for a field in hard conflict, whether its stamp is the later.
        var takes: [String: Bool] = [:]
        var contested: [String: Bool] = [:]
        for name in mutation.fields.keys.sorted() {
            let value = mutation.fields[name]!
            let current = fields[key]?[name]
            let concurrent = current.map { $0.version > (mutation.baseVersion ?? .max) && $0.writer != deviceId } ?? false
            let later = current.map { mutation.stamp > $0.stamp } ?? true
            switch schema.mergePolicy(for: name) {
            case .reviewed where concurrent && value != current!.value:
                opened.append(Conflict.makeId(deviceId: deviceId, seq: mutation.seq, field: name))
                contested[name] = later
            case .elementSet where concurrent && value.isNull != current!.value.isNull:
                takes[name] = !value.isNull
            default:
                takes[name] = later
            }
        }
        // Record rules win over the later stamp (conflicts.md §2.2): the fields in conflict hold the later
        // stamps' values, else the earlier stamps', else the stored ones; if none keeps the rules, refused.
        let holds: [(Bool) -> Bool] = contested.isEmpty ? [{ $0 }] : [{ $0 }, { !$0 }, { _ in false }]
        let held = holds.first { hold in
            var record = (fields[key] ?? [:]).mapValues(\.value)
            for (name, value) in mutation.fields where takes[name] ?? hold(contested[name]!) { record[name] = value }
            return schema.validateRecord(record) == nil
        }
        guard let held else {
            if result.status != .rejected { failures.append("\(context): the rules refuse it, got \(result.status)") }
            return
        }
        guard result.status != .rejected else {
            failures.append("\(context): unexpected rejection \(result.code?.rawValue ?? "?") \(result.message ?? "")")
            return
        }
        applied += 1
        guard let version = result.version else {
            failures.append("\(context): accepted without a version")
            return
        }
        for id in opened { expectedHard[id] = key }
        for (name, value) in mutation.fields where takes[name] ?? held(contested[name]!) {
            fields[key, default: [:]][name] = FieldState(value: value, stamp: mutation.stamp, version: version,
                                                         writer: deviceId)
        }
        expect(result, opened: opened, context: context)
    }

    private mutating func expect(_ result: MutationResult, opened: [String], context: String) {
        if opened.isEmpty {
            if result.status != .applied { failures.append("\(context): expected applied, got \(result.status)") }
        } else if result.status != .conflict || Set(result.conflictIds ?? []) != Set(opened) {
            failures.append("\(context): expected conflict \(opened.sorted()), got \(result.status) \(result.conflictIds ?? [])")
        }
    }
}
