import FieldDomain
import SyncEngine
import SyncModel
import SyncStore

/// Refused writes kept for admins (protocol/README.md §12): an admin marks one handled once it has been
/// followed up (the helper re-entered the data, or it was a mistake), and `rejectedOpen` stops counting it.
extension SyncService {
    /// Marks rejection `id` resolved and returns it, ID numbers masked. A region admin may resolve only the
    /// rejections of devices it sees (`forbidden`); an unknown id is `not_found`. Resolving twice is harmless.
    package func resolveRejection(id: Int64, by caller: Principal) async throws -> RejectedMutation {
        let notFound = ServiceError(.notFound, "没有这条被拒绝的记录 (no such rejection)")
        guard let rejection = try await store.rejection(id: id) else { throw notFound }
        if Self.regionFilter(caller) != nil {
            let visible = Set(try await deviceStates(by: caller).devices.map(\.deviceId))
            guard visible.contains(rejection.deviceId) else {
                throw ServiceError(.forbidden, "不在您的管辖范围内 (device outside your region)")
            }
        }
        guard var resolved = try await store.resolveRejection(id: id) else { throw notFound }
        resolved.mutation = PersonalDataMask.everywhere(resolved.mutation)
        logger.info("rejection resolved", metadata: ["rejection.id": "\(id)", "admin.by": "\(caller.id)"])
        return resolved
    }
}
