/// The record collections of protocol v1.
///
/// Devices write `households` (existing ones only), `members` and `visits`; `helpers`, `assignments` and
/// `regions` are server-owned and written by admins only (DESIGN §3.8).
public enum CollectionName: String, Sendable, Hashable, Codable, CaseIterable {
    case households
    case members
    case visits
    case helpers
    case assignments
    case regions

    /// Whether only admins may write this collection.
    public var isServerOwned: Bool {
        switch self {
        case .households, .members, .visits: return false
        case .helpers, .assignments, .regions: return true
        }
    }
}
