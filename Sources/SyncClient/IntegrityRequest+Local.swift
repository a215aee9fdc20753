import SyncModel

extension IntegrityRequest {
    /// The digests of a device's confirmed records: one per household (the household itself and every
    /// record whose `householdId` names it), one for the rest (protocol/scopes.md §6).
    public static func make(_ records: some Sequence<(collection: String, id: String, version: Int64, householdId: String?)>)
        -> IntegrityRequest
    {
        var lines: [String: [String]] = [:]
        var other: [String] = []
        for record in records {
            let line = IntegrityDigest.line(collection: record.collection, recordId: record.id, version: record.version)
            let household = record.collection == "households" ? record.id : record.householdId
            if let household { lines[household, default: []].append(line) } else { other.append(line) }
        }
        return IntegrityRequest(households: lines.mapValues(IntegrityDigest.digest), other: IntegrityDigest.digest(other))
    }
}
