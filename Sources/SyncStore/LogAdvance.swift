import FieldDomain
import Synchronization
import SyncModel

/// Changes that entered the change log, named by the scope keys of the records they changed, so that a node
/// can poke exactly the connected devices whose scope they touch (protocol/README.md §7a). Keys, not
/// records: on PostgreSQL this travels between nodes in a `NOTIFY` payload.
package struct LogAdvance: Sendable, Hashable {
    package var households: Set<String>
    package var villages: Set<String>
    package var helpers: Set<String>
    /// Too many keys to name (a bulk import): every connected device is poked.
    package var everything: Bool

    /// At most this many keys are named; beyond it the advance is `everything`.
    package static let maxKeys = 200

    package init(households: Set<String> = [], villages: Set<String> = [], helpers: Set<String> = [],
                 everything: Bool = false) {
        self.households = households
        self.villages = villages
        self.helpers = helpers
        self.everything = everything || households.count + villages.count + helpers.count > Self.maxKeys
        if self.everything {
            self.households = []
            self.villages = []
            self.helpers = []
        }
    }

    /// The keys of `records`.
    package init(records: some Sequence<SyncRecord>) {
        var households = Set<String>(), villages = Set<String>(), helpers = Set<String>()
        for record in records {
            if let household = record.scope.householdId { households.insert(household) }
            if let village = record.scope.villageCode { villages.insert(village) }
            if let helper = record.scope.helperId { helpers.insert(helper) }
        }
        self.init(households: households, villages: villages, helpers: helpers)
    }

    /// Whether a device with `scope` may have something new: a record of one of its households, one owned
    /// by its helper (which includes the helper's assignments, so a move-in pokes too), or one in its region.
    package func touches(_ scope: Scope) -> Bool {
        if everything || scope.isEverything { return true }
        if let owner = scope.owner, helpers.contains(owner) { return true }
        if !households.isDisjoint(with: scope.households.keys) { return true }
        return villages.contains { scope.inRegion($0) }
    }

    /// The advance as text (a `NOTIFY` payload, well under PostgreSQL's 8000 bytes): `*` for everything,
    /// else `h:<id>,…;v:<code>,…;p:<helper>,…`. Ids never contain `,` or `;` (protocol/domain.md).
    package var encoded: String {
        if everything { return "*" }
        return "h:" + households.sorted().joined(separator: ",") + ";v:" + villages.sorted().joined(separator: ",")
            + ";p:" + helpers.sorted().joined(separator: ",")
    }

    /// Reads `encoded`; anything unreadable counts as everything (a poke too many is harmless).
    package init(encoded: String) {
        guard encoded != "*" else {
            self.init(everything: true)
            return
        }
        var parts: [String: Set<String>] = [:]
        for part in encoded.split(separator: ";") {
            let pieces = part.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            guard pieces.count == 2 else { continue }
            parts[String(pieces[0])] = Set(pieces[1].split(separator: ",").map(String.init))
        }
        guard parts.count == 3 else {
            self.init(everything: true)
            return
        }
        self.init(households: parts["h"] ?? [], villages: parts["v"] ?? [], helpers: parts["p"] ?? [])
    }
}

/// Hands every `LogAdvance` a store publishes to every current subscriber. A subscriber that does not keep
/// up loses the oldest advances beyond a small buffer, never blocks the store.
package final class LogBroadcaster: Sendable {
    private let subscribers = Mutex<[Int: AsyncStream<LogAdvance>.Continuation]>([:])
    private let nextId = Atomic<Int>(0)

    package init() {}

    /// A stream of the advances published from now on, until the subscriber stops iterating.
    package func subscribe() -> AsyncStream<LogAdvance> {
        let (stream, continuation) = AsyncStream.makeStream(of: LogAdvance.self, bufferingPolicy: .bufferingNewest(256))
        let id = nextId.add(1, ordering: .relaxed).newValue
        continuation.onTermination = { [weak self] _ in self?.subscribers.withLock { _ = $0.removeValue(forKey: id) } }
        subscribers.withLock { $0[id] = continuation }
        return stream
    }

    package func publish(_ advance: LogAdvance) {
        for continuation in subscribers.withLock({ Array($0.values) }) { continuation.yield(advance) }
    }
}
