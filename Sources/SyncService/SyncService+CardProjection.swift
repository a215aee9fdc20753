import FieldDomain
import MingbaiCard
import SyncModel
import SyncStore

/// The card projection (protocol/cards.md §5): for every household, the hash of what a card issued now
/// would print, kept beside its newest card's hash in the store's card ledger, so that the reprint list is
/// an index range. The service follows the change log from the ledger's projection position: each change
/// to a household, a member, a visit (its 帮扶措施), an assignment or a helper's profile names the households whose printed
/// content may have changed; those are composed again from their current records (`CardContent.compose`),
/// in batches, and written with the position they were computed through. Passes on one node run one at a
/// time; two nodes may run at once, because the store keeps the state computed through the later position.
extension SyncService {
    /// Households composed per read.
    static let cardComposeBatch = 200
    /// Households a pass collects before it composes them (a county holds up to ~200,000; a province is
    /// composed in parts, a household named again in a later part composed again).
    static let cardProjectionBound = 250_000

    /// Brings the household card states up to the log head. Returns how many households were composed.
    @discardableResult
    package func refreshCardStates() async throws -> Int {
        await cardProjectionLock.acquire()
        do {
            let composed = try await projectCardStates()
            await cardProjectionLock.release()
            return composed
        } catch {
            await cardProjectionLock.release()
            throw error
        }
    }

    private func projectCardStates() async throws -> Int {
        var position = try await store.cardProjectionPosition()
        var composed = 0
        var first = true
        var more = true
        while more {
            // Collect the households named by the changes after `position` (up to a bound, so that memory
            // stays flat on a large first pass), then compose each once.
            var affected = Set<String>()
            var helpers = Set<String>()
            var through = position
            repeat {
                let page = try await store.pull(PullQuery(deviceId: "card-projection", scope: .all, after: through,
                                                          maxBytes: config.cardProjectionPageBytes))
                if first && position > 0 && page.compactedThrough > position {
                    // Compaction forgot tombstones this projection has not seen (a member removed long ago):
                    // this pass composes every household again, from the start of the log. Decided once, at
                    // the pass's first page: the pages of the full pass lie below the horizon by nature.
                    position = 0
                    through = 0
                    first = false
                    continue
                }
                first = false
                for case .record(let record) in page.items {
                    switch record.collection {
                    case .households: affected.insert(record.id)
                    case .members, .assignments, .visits:
                        if let household = record.scope.householdId { affected.insert(household) }
                    case .helpers: helpers.insert(record.id)
                    default: break
                    }
                }
                through = max(through, page.cursor)
                more = page.hasMore
            } while more && affected.count < Self.cardProjectionBound
            for helper in helpers.sorted() { affected.formUnion(try await store.householdsAssigned(to: helper)) }
            let ids = affected.sorted()
            for start in stride(from: 0, to: ids.count, by: Self.cardComposeBatch) {
                let batch = Array(ids[start..<min(start + Self.cardComposeBatch, ids.count)])
                let contents = try await cardContents(of: batch)
                let states = batch.map { id -> HouseholdCardState in
                    guard let composed = contents[id] else {
                        return HouseholdCardState(householdId: id, villageCode: "", contentHash: nil, revision: 0)
                    }
                    return HouseholdCardState(householdId: id, villageCode: composed.villageCode,
                                              contentHash: Hex.encode(CardContent.hash(composed.content)),
                                              revision: composed.revision)
                }
                try await store.updateCardStates(states, through: through, advance: false)
                composed += batch.count
            }
            // The position moves only once every household this part named is written: a pass that fails
            // halfway is done again from where it began.
            if through > position { try await store.updateCardStates([], through: through, advance: true) }
            position = through
        }
        return composed
    }

    /// A household's printed content as composed from its current records.
    package struct ComposedCard: Sendable {
        package var content: JSONValue
        package var revision: Int64
        package var villageCode: String
    }

    /// The printed content of each of `households` that exists (a deleted or unknown one is absent), read
    /// with one scoped read of their records (personal data decrypted by the store wrapper, then masked by
    /// the composition as the card prints it) and one read per helper profile.
    package func cardContents(of households: [String]) async throws -> [String: ComposedCard] {
        guard !households.isEmpty else { return [:] }
        var household: [String: SyncRecord] = [:]
        var members: [String: [String: [String: JSONValue]]] = [:]
        var helperIds: [String: Set<String>] = [:]
        var visits: [String: [String: [String: JSONValue]]] = [:]
        var after: Int64 = 0
        while true {
            let page = try await store.pull(PullQuery(deviceId: "card-projection", scope: .fixed(.households(households)),
                                                      after: after, maxBytes: 1 << 20))
            for case .record(let record) in page.items where !record.deleted {
                guard let id = record.collection == .households ? record.id : record.scope.householdId else { continue }
                switch record.collection {
                case .households: household[id] = record
                case .members: members[id, default: [:]][record.id] = record.fields
                case .visits: visits[id, default: [:]][record.id] = record.fields
                case .assignments:
                    if let helper = record.fields["helperId"]?.stringValue { helperIds[id, default: []].insert(helper) }
                default: break
                }
            }
            guard page.hasMore, page.cursor > after else { break }
            after = page.cursor
        }
        var profiles: [String: [String: JSONValue]] = [:]
        for helper in Set(helperIds.values.joined()).sorted() {
            if let profile = try await store.record(RecordKey(.helpers, helper)), !profile.deleted {
                profiles[helper] = profile.fields
            }
        }
        var result: [String: ComposedCard] = [:]
        for (id, record) in household {
            var helpers: [String: [String: JSONValue]] = [:]
            for helper in helperIds[id] ?? [] { helpers[helper] = profiles[helper] }
            let content = CardContent.compose(householdId: id, household: record.fields, members: members[id] ?? [:],
                                              helpers: helpers, visits: visits[id] ?? [:])
            result[id] = ComposedCard(content: content, revision: record.version,
                                      villageCode: record.fields["villageCode"]?.stringValue ?? record.scope.villageCode ?? "")
        }
        return result
    }
}

/// One projection pass at a time on this node (an async mutex: waiters resume in order).
package actor CardProjectionLock {
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    package init() {}

    func acquire() async {
        if busy {
            await withCheckedContinuation { waiters.append($0) }
        } else {
            busy = true
        }
    }

    func release() {
        if waiters.isEmpty { busy = false } else { waiters.removeFirst().resume() }
    }
}
