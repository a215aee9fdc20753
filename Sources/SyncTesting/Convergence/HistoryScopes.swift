import SyncModel
import Synchronization

/// The history's own statement of who may see what (protocol/scopes.md §2), kept from the assignments the
/// history makes rather than read from the server: a helper sees the households assigned to it now (with
/// everything of them) and its own household-less records; a village admin's phone sees its village.
final class HistoryScopes: Sendable {
    enum Holder: Sendable, Hashable {
        case helper(String)
        case region(String)
    }

    private let assigned: Mutex<[String: Set<String>]>

    init(_ assigned: [String: Set<String>]) { self.assigned = Mutex(assigned) }

    func households(of helper: String) -> Set<String> { assigned.withLock { $0[helper] ?? [] } }

    func assign(_ household: String, to helper: String) { assigned.withLock { _ = $0[helper, default: []].insert(household) } }

    func end(_ household: String, for helper: String) { assigned.withLock { _ = $0[helper]?.remove(household) } }

    /// The helpers `household` is assigned to now.
    func helpers(of household: String) -> Set<String> {
        assigned.withLock { Set($0.filter { $0.value.contains(household) }.keys) }
    }

    func contains(_ holder: Holder, _ keys: RecordScope) -> Bool {
        switch holder {
        case .helper(let helper):
            if let household = keys.householdId { return households(of: helper).contains(household) }
            return keys.helperId == helper
        case .region(let prefix):
            return (keys.villageCode ?? "").hasPrefix(prefix)
        }
    }
}
