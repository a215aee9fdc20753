import SyncEngine
import SyncModel

extension PushPlan {
    /// The push's new numbered outcomes with their first and last numbers (nil when there are none), which
    /// a store keeps as one row. Throws `corruptRecord` unless they are consecutive, as the planner makes
    /// them: a store checks this before it commits, so a plan that breaks it writes nothing.
    package func numberedOutcomes() throws -> (first: Int64, last: Int64, outcomes: [MutationResult])? {
        let numbered = newOutcomes.filter { $0.seq != nil }
        guard let first = numbered.first?.seq, let last = numbered.last?.seq else { return nil }
        guard last - first + 1 == Int64(numbered.count) else {
            throw SyncStoreError(.corruptRecord, "a push's new outcomes are not consecutive")
        }
        return (first, last, numbered)
    }
}
