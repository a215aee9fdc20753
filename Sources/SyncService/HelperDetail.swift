import FieldDomain
import SyncModel
import SyncStore

/// One helper as an admin sees it (`GET /admin/v1/helpers/{id}`): the profile, and each current household
/// with every helper assigned to it, so that co-helpers (共同帮扶人) show.
package struct HelperDetail: Sendable, Hashable, Codable {
    /// A household of the helper and who helps it.
    package struct Household: Sendable, Hashable, Codable {
        package var id: String
        package var villageCode: String?
        /// Every helper currently assigned to the household, this one included, by id.
        package var helpers: [String]
    }

    package var id: String
    package var name: String
    package var unit: String
    /// Ordered by id; for a region admin only those in its region.
    package var households: [Household]
}

extension SyncService {
    /// A helper's profile and households with their co-helpers. A region admin sees helpers with a household
    /// in its region (as in the listing), and only those households; others are `forbidden`. An unknown
    /// helper is `not_found`.
    package func helperDetail(id: String, by caller: Principal) async throws -> HelperDetail {
        guard let profile = try await store.record(RecordKey(.helpers, id)), !profile.deleted else {
            throw ServiceError(.notFound, "帮扶责任人不存在 (no such helper)")
        }
        var households = try await store.householdsAssigned(to: id)
        if Self.regionFilter(caller) != nil {
            households = households.filter { Self.covers(caller, Scope.village(ofHousehold: $0)) }
            guard !households.isEmpty else {
                throw ServiceError(.forbidden, "不在您的管辖范围内 (helper outside your region)")
            }
        }
        let helpers = try await store.helpersAssigned(to: households)
        return HelperDetail(
            id: id, name: profile.fields["name"]?.stringValue ?? "", unit: profile.fields["unit"]?.stringValue ?? "",
            households: households.sorted().map { household in
                HelperDetail.Household(id: household, villageCode: Scope.village(ofHousehold: household),
                                       helpers: (helpers[household] ?? [id]).sorted())
            })
    }
}
