import SyncEngine
import SyncModel
import SyncStore

/// In-place rewrites (`SyncStore.rewriteRecords`, `rewriteConflicts`: the background re-encryption): values
/// change, nothing else does — no revision, no log position, nothing for a device to pull.
extension StoreConformance {
    static let rewriteChecks: [String: Check] = [
        "rewriteChangesValuesButNoVersionPositionOrPull": rewriteChangesValuesOnly,
        "rewriteWalksEveryRecordInBatches": rewriteWalksEveryRecordInBatches,
    ]

    static func rewriteChangesValuesOnly(_ makeStore: @Sendable () async throws -> any SyncStore) async throws {
        let fixture = try await StoreFixture.make(try await makeStore(), households: 6)
        let (helper, households) = try fixture.helper()
        try await fixture.enroll("dev-a", helperId: helper)
        let before = try await fixture.store.pull(PullQuery(deviceId: "dev-a", scope: .helper(helper), after: 0,
                                                            maxBytes: 10_000_000))
        let head = try await fixture.store.headVersion()
        let target = households[0]
        let original = try await fixture.store.record(RecordKey(.households, target))!
        let pass = try await fixture.store.rewriteRecords(.households, after: nil, limit: 1000) { record in
            guard record.id == target else { return nil }
            var changed = record
            changed.fields["phone"] = "rewritten"
            return changed
        }
        try require(pass.rewritten == 1, "rewrote \(pass.rewritten) records, expected 1")
        let after = try await fixture.store.record(RecordKey(.households, target))!
        try require(after.fields["phone"] == "rewritten", "the value was not written back")
        try require(after.version == original.version && after.position == original.position,
                    "revision or position moved: v\(original.version)→v\(after.version), p\(original.position)→p\(after.position)")
        try require(after.stamps == original.stamps && after.scope == original.scope, "stamps or scope changed")
        try require(try await fixture.store.headVersion() == head, "the log head moved")
        let again = try await fixture.store.pull(PullQuery(deviceId: "dev-a", scope: .helper(helper), after: before.cursor,
                                                           maxBytes: 10_000_000))
        try require(again.items.isEmpty, "a rewrite reached the change log: \(again.items.count) items to pull")
    }

    static func rewriteWalksEveryRecordInBatches(_ makeStore: @Sendable () async throws -> any SyncStore) async throws {
        let fixture = try await StoreFixture.make(try await makeStore(), households: 12)
        let total = try await fixture.store.count(.members)
        var seen: [String] = []
        var after: String?
        repeat {
            let pass = try await fixture.store.rewriteRecords(.members, after: after, limit: 7) { _ in nil }
            if let last = pass.last { seen.append(last) }
            try require(pass.rewritten == 0, "nil from the closure wrote \(pass.rewritten) records")
            after = pass.last
        } while after != nil
        try require(seen == seen.sorted() && Set(seen).count == seen.count, "batches not in id order: \(seen)")
        try require(seen.count == (total + 6) / 7, "\(seen.count) batches for \(total) members in sevens")
        let conflicts = try await fixture.store.rewriteConflicts(after: nil, limit: 10) { _ in nil }
        try require(conflicts.last == nil && conflicts.rewritten == 0, "a store without conflicts rewrote \(conflicts)")
    }
}
