import SyncModel

/// Plans one push: sequence handling, per-mutation rules and merges, as a pure function of a snapshot
/// (DESIGN §3.2–3.3; STYLE rule 3).
///
/// A store runs it inside its write transaction: it reads the `PushSnapshot` for `keysToLoad`, calls
/// `plan`, and writes the returned `PushPlan`. No I/O happens here, so the same logic serves SQLite,
/// PostgreSQL and the in-memory store, and tests drive it directly.
public struct PushPlanner: Sendable {
    public let context: PushContext
    /// Hashes personal values in the audit entries the plan carries.
    let redactor: AuditRedactor

    package init(context: PushContext, redactor: AuditRedactor) {
        self.context = context
        self.redactor = redactor
    }

    /// The records a store must load for `entries`: each mutation's own record, plus the household a new
    /// member or visit refers to and the visit an amendment corrects.
    public static func keysToLoad(_ entries: [PushEntry]) -> Set<RecordKey> {
        var keys = Set<RecordKey>()
        for case .success(let mutation) in entries {
            guard let collection = CollectionName(rawValue: mutation.collection) else { continue }
            keys.insert(RecordKey(collection, mutation.recordId))
            if let householdId = mutation.fields["householdId"]?.stringValue, Mutation.isValidRecordId(householdId) {
                keys.insert(RecordKey(.households, householdId))
            }
            if collection == .visits, let amends = mutation.fields["amends"]?.stringValue,
                Mutation.isValidRecordId(amends)
            {
                keys.insert(RecordKey(.visits, amends))
            }
        }
        return keys
    }

    /// The sequence numbers of `entries`, for loading stored outcomes of replays.
    public static func sequenceNumbers(_ entries: [PushEntry]) -> [Int64] {
        entries.compactMap { entry in
            switch entry {
            case .success(let mutation): return mutation.seq
            case .failure(let failure): return failure.seq
            }
        }
    }

    /// Plans the push of `entries` (in the order sent) against `snapshot`.
    /// `raw` are the entries as sent, kept with rejections for admins (bounded: `RejectionBounds`).
    public func plan(entries: [PushEntry], raw: [JSONValue], snapshot: PushSnapshot) -> PushPlan {
        var state = snapshot
        var results: [MutationResult] = []
        var newOutcomes: [MutationResult] = []
        var rejections: [RejectedMutation] = []
        var conflicts: [Conflict] = []
        var audit: [AuditEntry] = []
        var written: [RecordKey: SyncRecord] = [:]
        var writeOrder: [RecordKey] = []
        var expectedSeq: Int64?
        var clamped = false
        // Clamped stamps all land on the server's millisecond; numbering them keeps later writes of the same
        // push ordered after earlier ones.
        var clampCounter: UInt32 = 0
        let applier = MutationApplier(context: context)

        for (index, entry) in entries.enumerated() {
            let seq: Int64?
            switch entry {
            case .success(let mutation): seq = mutation.seq
            case .failure(let failure): seq = failure.seq
            }
            let rawEntry = index < raw.count ? raw[index] : .null

            guard let seq else {
                // Unreadable entry: it has no place in the sequence, so it is answered but does not advance it.
                if case .failure(let failure) = entry {
                    let result = MutationResult.rejected(seq: nil, code: failure.code,
                                                         field: RejectionBounds.field(failure.field), message: failure.message)
                    results.append(result)
                    rejections.append(rejection(result, mutation: rawEntry))
                }
                continue
            }
            if seq <= state.lastAppliedSeq {
                var replay = state.storedOutcomes[seq]
                    ?? MutationResult(seq: seq, status: .applied, message: "已处理 (already applied; outcome no longer kept)")
                replay.replayed = true
                results.append(replay)
                continue
            }
            if seq > state.lastAppliedSeq + 1 {
                expectedSeq = state.lastAppliedSeq + 1
                break
            }

            let result: MutationResult
            switch entry {
            case .failure(let failure):
                result = .rejected(seq: seq, code: failure.code, field: RejectionBounds.field(failure.field),
                                   message: failure.message)
            case .success(let mutation):
                var (stamp, wasClamped) = context.clamp.clamp(mutation.stamp, serverNow: context.serverNow)
                if wasClamped {
                    stamp.logical = clampCounter
                    clampCounter += 1
                }
                switch applier.apply(mutation, stamp: stamp, records: state.records, scope: state.scope) {
                case .rejected(let code, let field, let message):
                    result = .rejected(seq: seq, code: code, field: RejectionBounds.field(field), message: message)
                case .unchanged(let version, let opened):
                    clamped = clamped || wasClamped
                    conflicts += opened
                    result = Self.outcome(seq: seq, version: version, conflicts: opened)
                case .write(let record, let opened):
                    clamped = clamped || wasClamped
                    let key = RecordKey(record.collection, record.id)
                    audit.append(auditEntry(mutation, before: state.records[key], after: record, conflicts: opened))
                    state.records[key] = record
                    if written.updateValue(record, forKey: key) == nil { writeOrder.append(key) }
                    conflicts += opened
                    result = Self.outcome(seq: seq, version: record.version, conflicts: opened)
                }
            }
            if result.status == .rejected { rejections.append(rejection(result, mutation: rawEntry)) }
            state.lastAppliedSeq = seq
            state.storedOutcomes[seq] = result
            newOutcomes.append(result)
            results.append(result)
        }

        return PushPlan(
            results: results,
            writes: writeOrder.map { written[$0]! },
            newOutcomes: newOutcomes,
            rejections: rejections,
            conflicts: conflicts,
            lastAppliedSeq: state.lastAppliedSeq,
            expectedSeq: expectedSeq,
            clockSkewClamped: clamped,
            audit: audit
        )
    }

    /// Who wrote which fields of which record, from which device and as which of its numbers.
    private func auditEntry(_ mutation: Mutation, before: SyncRecord?, after: SyncRecord, conflicts: [Conflict])
        -> AuditEntry
    {
        var detail: [String: JSONValue] = ["seq": .int(mutation.seq)]
        if !conflicts.isEmpty { detail["conflicts"] = .array(conflicts.map { .string($0.id) }) }
        return .recordWrite(.deviceWrite, before: before, after: after, actor: context.helperId,
                            deviceId: context.deviceId, at: context.serverNow, op: mutation.op.rawValue,
                            detail: detail, redactor: redactor)
    }

    /// `conflict` when the mutation opened conflicts for review (hard or deleted), otherwise `applied`.
    static func outcome(seq: Int64, version: Int64, conflicts: [Conflict]) -> MutationResult {
        let review = conflicts.filter { $0.status == .open }.map(\.id)
        return review.isEmpty ? .applied(seq: seq, version: version)
            : .conflict(seq: seq, version: version, conflictIds: review)
    }

    private func rejection(_ result: MutationResult, mutation: JSONValue) -> RejectedMutation {
        RejectedMutation(deviceId: context.deviceId, seq: result.seq, code: result.code ?? .malformedMutation,
                         field: result.field, message: result.message ?? "", mutation: RejectionBounds.keptEntry(mutation),
                         at: context.serverNow)
    }
}
