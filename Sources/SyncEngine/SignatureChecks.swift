import SyncModel

/// The outcome of verifying the visit signatures of one push, by sequence number (see
/// `PushContext.signatureChecks`).
public struct SignatureChecks: Sendable, Hashable {
    /// Sequence numbers whose signature verified.
    public var verified: Set<Int64> = []
    /// Sequence numbers whose signature did not, and why.
    public var failures: [Int64: DeviceSignature.Failure] = [:]

    public init() {}

    /// Verifies every visit create among `entries` against `key` (nothing when the device has no key).
    public static func verify(_ entries: [PushEntry], deviceId: String, key: [UInt8]?) -> SignatureChecks {
        var checks = SignatureChecks()
        guard let key else { return checks }
        for case .success(let mutation) in entries
        where mutation.collection == CollectionName.visits.rawValue && mutation.op == .create {
            if let failure = DeviceSignature.verifyVisit(deviceId: deviceId, recordId: mutation.recordId,
                                                         fields: mutation.fields, publicKey: key) {
                checks.failures[mutation.seq] = failure
            } else {
                checks.verified.insert(mutation.seq)
            }
        }
        return checks
    }

    /// The recorded outcome for `seq`: `.some(nil)` verified, `.some(failure)`, or nil when not checked.
    func outcome(_ seq: Int64) -> DeviceSignature.Failure?? {
        if verified.contains(seq) { return .some(nil) }
        if let failure = failures[seq] { return .some(failure) }
        return nil
    }
}
