import FieldDomain
import SyncModel
import SyncStore

/// The answer to "was this visit recorded by that phone and not changed since?" (protocol/security.md §3).
package struct VisitSignatureCheck: Sendable, Hashable, Codable {
    package enum Status: String, Sendable, Hashable, Codable {
        /// The stored fields verify under the key the recording device registered.
        case valid
        /// The signature does not verify: the stored visit differs from what the phone signed.
        case invalid
        /// Recorded by a device enrolled before device keys: no signature to check.
        case unsigned
        /// The signature names another key than the recording device's, or that device is unknown.
        case wrongKey = "wrong_key"
    }

    package var visitId: String
    package var status: Status
    package var deviceId: String?
    package var helperId: String?
    package var keyId: String?
}

extension SyncService {
    /// Re-checks a stored visit's signature against the key its recording device registered. Admins see
    /// visits of their region only.
    package func verifyVisit(id: String, by caller: Principal) async throws -> VisitSignatureCheck {
        guard let visit = try await store.record(RecordKey(.visits, id)), !visit.deleted else {
            throw ServiceError(.notFound, "走访记录不存在 (no such visit)")
        }
        try requireRegion(caller, covers: visit.scope.villageCode)
        return try await checkSignature(of: visit)
    }

    /// The signature check of one stored visit (also `bangfu-admin visits verify`).
    package func checkSignature(of visit: SyncRecord) async throws -> VisitSignatureCheck {
        let deviceId = visit.fields["deviceId"]?.stringValue
        var check = VisitSignatureCheck(visitId: visit.id, status: .unsigned, deviceId: deviceId,
                                        helperId: visit.fields["helperId"]?.stringValue,
                                        keyId: visit.fields[DeviceSignature.field]?.objectValue?["keyId"]?.stringValue)
        guard visit.fields[DeviceSignature.field] != nil else { return check }
        guard let deviceId, let device = try await store.device(id: deviceId),
            let key = device.publicKey.flatMap(Base64URL.decode)
        else {
            check.status = .wrongKey
            return check
        }
        // What the signature does not cover is what the server filled in: it must still be what the server
        // would fill in, or the visit was moved to another helper or village after it was recorded.
        let household = visit.fields["householdId"]?.stringValue
        let village = visit.fields["villageCode"]?.stringValue
        guard visit.fields["helperId"]?.stringValue == device.helperId, visit.scope.helperId == device.helperId,
            household.map({ Scope.village(ofHousehold: $0) == village }) ?? true,
            visit.scope.villageCode == village
        else {
            check.status = .invalid
            return check
        }
        switch DeviceSignature.verifyVisit(deviceId: deviceId, recordId: visit.id, fields: visit.fields, publicKey: key) {
        case nil: check.status = .valid
        case .wrongKey: check.status = .wrongKey
        case .missing, .malformed, .invalid: check.status = .invalid
        }
        return check
    }
}
