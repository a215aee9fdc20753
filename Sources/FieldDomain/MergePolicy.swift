/// How concurrent writes of one field merge (DESIGN §3.7), and who may write it.
public enum MergePolicy: Sendable, Hashable {
    /// Devices write it; concurrent writes resolve to the newest HLC stamp.
    case lastWriterWins
    /// Devices write it; concurrent writes from the same base keep the newest provisionally and open a
    /// conflict for an admin (status, incomes, causes, monitoring category, ID numbers).
    case reviewed
    /// One element of a set (a `policies.<code>` field): additions and removals merge per element.
    case elementSet
    /// Written once, when the record is created (by a device or an admin), and never changed by a device.
    case immutable
    /// Written only by the server or an admin; a device writing it is refused with `read_only_field`.
    case serverOnly

    /// Whether a device may write the field in a mutation with `op`.
    public func deviceMayWrite(isCreate: Bool) -> Bool {
        switch self {
        case .lastWriterWins, .reviewed, .elementSet: return true
        case .immutable: return isCreate
        case .serverOnly: return false
        }
    }
}
