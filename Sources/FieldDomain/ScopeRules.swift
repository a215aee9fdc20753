import SyncModel

/// The scope rules (DESIGN §3.5; protocol/scopes.md §2), in one pure place: a principal and its assignment
/// records in, a `Scope` out. Stores load the assignment records inside the same snapshot as the pull or
/// push they serve, so the scope and the data it filters can never disagree.
public enum ScopeRules {
    /// The scope of `principal`. `assignments` are the `assignments` records whose `helperId` is the
    /// principal's (current and ended, live and deleted; a deleted
    /// assignment has ended); admins need none.
    public static func scope(for principal: Principal, assignments: [SyncRecord]) -> Scope {
        switch principal {
        case .helper(let helperId):
            return helperScope(helperId, assignments: assignments)
        case .admin(_, .operator, _):
            return .everything
        case .admin(_, _, let region):
            // An admin's region is a prefix of every village code below it; an empty region never reaches
            // here (`AdminRole.accepts`), and would otherwise mean everything.
            return region.isEmpty ? Scope() : Scope(regionPrefixes: [region])
        }
    }

    /// A helper sees the households of its current assignments (each from the assignment's log position), and
    /// its own records; households whose assignment ended (or was deleted) have departed.
    static func helperScope(_ helperId: String, assignments: [SyncRecord]) -> Scope {
        var scope = Scope(owner: helperId)
        for assignment in assignments where assignment.collection == .assignments
            && assignment.fields["helperId"]?.stringValue == helperId
        {
            guard let household = assignment.fields["householdId"]?.stringValue ?? assignment.scope.householdId
            else { continue }
            if let ended = endedAt(assignment) {
                scope.departed[household] = Scope.Departure(position: assignment.position, effectiveAt: ended)
            } else {
                scope.households[household] = max(scope.households[household] ?? 0, assignment.position)
            }
        }
        // A household can have an ended and a current assignment only through duplicate ids; current wins.
        for household in scope.households.keys { scope.departed[household] = nil }
        return scope
    }

    /// When an assignment stopped counting: the server time of its deletion, `nil` while it is current.
    public static func endedAt(_ assignment: SyncRecord) -> Int64? {
        guard assignment.deleted else { return nil }
        return assignment.stamps[deletedMarkerField]?.physical ?? assignment.stamps.values.map(\.physical).max() ?? 0
    }

    /// The stamp field a tombstone carries (the engine's `Conflict.deletedMarkerField`).
    public static let deletedMarkerField = "_deleted"
}
