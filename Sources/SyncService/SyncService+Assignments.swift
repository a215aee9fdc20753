import FieldDomain
import SyncEngine
import SyncModel
import SyncStore

/// Reassignment (protocol/scopes.md §4): an admin pairs a household with a helper and, optionally, ends
/// another helper's assignment. Pull then delivers the household whole to the new helper (move-in) and
/// explicit removals to the old one (move-out).
extension SyncService {
    /// What `assign` wrote.
    package struct Reassignment: Sendable, Hashable {
        package var assignment: SyncRecord
        package var ended: SyncRecord?
    }

    /// Assigns `household` to `helper` (a new assignment, or one brought back) and ends `replacing`'s.
    package func assign(household: String, helper: String, replacing old: String?, by caller: Principal)
        async throws -> Reassignment
    {
        guard let record = try await store.record(RecordKey(.households, household)), !record.deleted else {
            throw ServiceError(.recordNotFound, "户不存在 (household not found)")
        }
        try requireRegion(caller, covers: record.scope.villageCode)
        guard let profile = try await store.record(RecordKey(.helpers, helper)), !profile.deleted else {
            throw ServiceError(.notFound, "帮扶责任人不存在 (no such helper)")
        }
        if let old, old == helper {
            throw ServiceError(.invalidRequest, "新旧帮扶责任人相同 (the new helper is the one replaced)")
        }
        try await requireManages(helper: helper, by: caller)
        // Checked before anything is written, so a wrong `replace` leaves no half-done reassignment.
        if let old {
            guard let current = try await store.record(RecordKey(.assignments, "\(old):\(household)")), !current.deleted else {
                throw ServiceError(.recordNotFound, "原帮扶关系不存在 (no current assignment to end)")
            }
        }
        let serverNow = now()
        let stamp = HLCTimestamp(physical: serverNow, logical: 0, node: ConflictResolver.adminNode)
        let fields: [String: JSONValue] = [
            "helperId": .string(helper), "householdId": .string(household),
            "startedAt": .string(ISOTimestamp.format(milliseconds: serverNow)),
        ]
        // The new pairing is written first, so the household is never without a helper in between.
        let created = CountyGenerator.seedRecord(.assignments, "\(helper):\(household)", fields)
        var assignment = created
        assignment.stamps = fields.mapValues { _ in stamp }
        var detail: [String: JSONValue] = [:]
        if let old { detail["replaces"] = .string(old) }
        let entry = AuditEntry(action: .assignmentStart, at: serverNow, actor: caller.id, collection: assignment.collection.rawValue,
                               recordId: assignment.id, op: MutationOp.create.rawValue,
                               fields: redactor.redact(fields, in: .assignments), detail: detail)
        _ = try await store.importRecords([assignment], audit: [entry])
        assignment = try await store.record(RecordKey(.assignments, assignment.id)) ?? assignment
        var ended: SyncRecord?
        if let old { ended = try await endAssignment(household: household, helper: old, at: stamp, by: caller.id) }
        logger.info("household assigned", metadata: [
            "household": "\(household)", "helper": "\(helper)", "replaced": "\(old ?? "")", "admin.by": "\(caller.id)",
        ])
        return Reassignment(assignment: assignment, ended: ended)
    }

    /// Ends `helper`'s assignment of `household` (the household leaves the helper's devices).
    package func endAssignment(household: String, helper: String, by caller: Principal) async throws -> SyncRecord {
        guard let record = try await store.record(RecordKey(.households, household)) else {
            throw ServiceError(.recordNotFound, "户不存在 (household not found)")
        }
        try requireRegion(caller, covers: record.scope.villageCode)
        let stamp = HLCTimestamp(physical: now(), logical: 0, node: ConflictResolver.adminNode)
        let ended = try await endAssignment(household: household, helper: helper, at: stamp, by: caller.id)
        logger.info("assignment ended", metadata: ["household": "\(household)", "helper": "\(helper)", "admin.by": "\(caller.id)"])
        return ended
    }

    /// The assignment's tombstone, stamped when the departure takes effect.
    private func endAssignment(household: String, helper: String, at stamp: HLCTimestamp, by actor: String)
        async throws -> SyncRecord
    {
        let redactor = self.redactor
        let audit: @Sendable (SyncRecord, SyncRecord) -> [AuditEntry] = { before, after in
            [.recordWrite(.assignmentEnd, before: before, after: after, actor: actor, at: stamp.physical, redactor: redactor)]
        }
        do {
            return try await store.updateRecord(RecordKey(.assignments, "\(helper):\(household)"), audit: audit) { current in
                guard !current.deleted else {
                    throw ServiceError(.recordNotFound, "原帮扶关系不存在 (no current assignment to end)")
                }
                var tombstone = current
                tombstone.materializeFieldVersions()
                tombstone.deleted = true
                tombstone.stamps[ScopeRules.deletedMarkerField] = stamp
                return tombstone
            }
        } catch let error as SyncStoreError where error.code == .recordNotFound {
            throw ServiceError(.recordNotFound, "原帮扶关系不存在 (no current assignment to end)")
        }
    }

    /// Devices with their sync state, confined to the caller's region.
    package func deviceStates(by caller: Principal) async throws -> (head: Int64, devices: [DeviceSyncState]) {
        let all = try await deviceStates()
        guard let region = Self.regionFilter(caller) else { return all }
        let helpers = try await store.helperIds(inRegion: region)
        var visible: [DeviceSyncState] = []
        for state in all.devices {
            if helpers.contains(state.helperId) {
                visible.append(state)
            } else if let account = try await store.admin(id: state.helperId), state.helperId.hasPrefix("adm-"),
                Self.covers(caller, account.region)
            {
                visible.append(state)
            }
        }
        return (all.head, visible)
    }

    /// Rejected writes of the devices the caller may see, ID numbers masked.
    package func rejections(deviceId: String?, limit: Int, by caller: Principal) async throws -> [RejectedMutation] {
        guard Self.regionFilter(caller) != nil else { return try await rejections(deviceId: deviceId, limit: limit) }
        let devices = Set(try await deviceStates(by: caller).devices.map(\.deviceId))
        if let deviceId, !devices.contains(deviceId) {
            throw ServiceError(.forbidden, "不在您的管辖范围内 (device outside your region)")
        }
        return try await rejections(deviceIds: deviceId.map { [$0] } ?? devices, limit: limit)
    }

    /// Helpers the caller may see, with household counts.
    package func helpers(limit: Int, offset: Int, by caller: Principal) async throws -> (helpers: [HelperSummary], total: Int) {
        guard let region = Self.regionFilter(caller) else { return try await helpers(limit: limit, offset: offset) }
        let visible = try await store.helperIds(inRegion: region)
        let all = try await store.helpers(limit: Int.max, offset: 0).helpers.filter { visible.contains($0.id) }
        return (Array(all.dropFirst(max(offset, 0)).prefix(min(max(limit, 1), 1000))), all.count)
    }
}

extension SyncService {
    /// Forgets tombstones deleted more than `horizonDays` ago; cursors below the new horizon answer
    /// `resync_required` (protocol/scopes.md §7). Ended assignments stay: they are how the server knows that
    /// a write made offline before a reassignment is the old helper's to make (§5), however late it arrives.
    package func compact(horizonDays: Int) async throws -> CompactionReport {
        let at = now()
        let cutoff = at - Int64(horizonDays) * 86_400_000
        let report = try await store.compact(collections: [], audit: { report in
            // A pass that forgot nothing changed nothing: no entry.
            guard report.purged > 0 else { return [] }
            return [AuditEntry(
                action: .compaction, at: at, actor: Self.operatorId,
                detail: ["purged": .int(Int64(report.purged)), "compactedThrough": .int(report.compactedThrough),
                         "horizonDays": .int(Int64(horizonDays))])]
        }) { record in
            record.deleted && record.collection != .assignments && (ScopeRules.endedAt(record) ?? .max) < cutoff
        }
        logger.info("store compacted", metadata: ["compaction.purged": "\(report.purged)",
                                                  "compaction.horizon": "\(report.compactedThrough)"])
        return report
    }
}
