import FieldDomain
import SyncModel
import SyncStore

/// The integrity check (protocol/scopes.md §6): the device sends what it holds as digests per household;
/// the server compares them with its scope and says what to purge and what to fetch again.
extension SyncService {
    /// Digests use the versions the device was sent: record versions in protocol 2, log positions in 1.
    package func checkIntegrity(_ request: IntegrityRequest, from device: DeviceIdentity,
                                protocolVersion: Int = ProtocolVersion.current) async throws -> IntegrityResponse {
        guard request.households.count <= config.maxIntegrityHouseholds else {
            throw ServiceError(.invalidRequest, "户数过多 (too many households in one integrity check)")
        }
        guard request.households.allSatisfy({ Mutation.isValidRecordId($0.key) && $0.value.utf8.count <= 64 }),
            request.other.utf8.count <= 64
        else {
            throw ServiceError(.malformedJSON, "完整性校验格式错误 (malformed integrity check)")
        }
        // Walk the device's whole scope page by page (O(records in scope), pages bounded in bytes), keeping
        // one line list per household.
        var lines: [String: [String]] = [:]
        var other: [String] = []
        var after: Int64 = 0
        var head: Int64 = 0
        while true {
            let page = try await store.pull(PullQuery(deviceId: device.deviceId, scope: .principal(device.principal),
                                                      after: after, maxBytes: config.maxPullBytes))
            head = page.head
            for record in page.records where !record.deleted {
                let line = IntegrityDigest.line(collection: record.collection.rawValue, recordId: record.id,
                                                version: protocolVersion >= 2 ? record.version : record.position)
                if let household = record.scope.householdId { lines[household, default: []].append(line) } else { other.append(line) }
            }
            after = page.cursor
            if !page.hasMore { break }
        }
        let purge = request.households.keys.filter { lines[$0] == nil }.sorted()
        let refetch = lines.compactMap { household, list in
            request.households[household] == IntegrityDigest.digest(list) ? nil : household
        }.sorted()
        return IntegrityResponse(purge: purge, refetch: refetch,
                                 otherMatches: request.other == IntegrityDigest.digest(other), head: head)
    }
}
