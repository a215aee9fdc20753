import SyncModel

import FieldDomain

/// Who is pushing, and the server's view of time, for one push.
public struct PushContext: Sendable, Hashable {
    public var deviceId: String
    /// The principal the device acts for: its visits carry this id as `helperId`.
    public var helperId: String
    /// The server clock, milliseconds since 1970.
    public var serverNow: Int64
    public var clamp: ClockSkewClamp
    /// The raw Ed25519 public key the device registered at enrolment; nil for a device enrolled before
    /// device keys, whose visits are accepted unsigned (protocol/signatures.md §4).
    public var deviceKey: [UInt8]?
    /// Visit signatures already checked against `deviceKey`, by sequence number, before the store's
    /// transaction (`SignatureChecks.verify`): an Ed25519 verification takes about 150 µs, which should not
    /// be spent holding row locks, nor again when a lost race reruns the plan. Visits not in here are
    /// verified when planned.
    public var signatureChecks = SignatureChecks()

    public init(deviceId: String, helperId: String, serverNow: Int64, clamp: ClockSkewClamp = .default,
                deviceKey: [UInt8]? = nil) {
        self.deviceId = deviceId
        self.helperId = helperId
        self.serverNow = serverNow
        self.clamp = clamp
        self.deviceKey = deviceKey
    }
}

/// One entry of a push batch after parsing: a mutation, or why it could not be read.
public typealias PushEntry = Result<Mutation, MutationParseFailure>

/// What a store reads inside the push transaction before the engine plans the push. Nothing global: the
/// records are read under their row locks, so pushes to different records never wait for each other
/// (docs/log-positions.md).
public struct PushSnapshot: Sendable, Hashable {
    /// The device's last applied sequence number.
    public var lastAppliedSeq: Int64
    /// Stored outcomes for the batch's sequence numbers that were applied before (replays).
    public var storedOutcomes: [Int64: MutationResult]
    /// The current state of every record the batch touches or refers to (see `PushPlanner.keysToLoad`).
    public var records: [RecordKey: SyncRecord]
    /// What the pushing device may write, computed by `ScopeRules` from assignments read in the same
    /// transaction.
    public var scope: Scope

    public init(lastAppliedSeq: Int64, storedOutcomes: [Int64: MutationResult],
                records: [RecordKey: SyncRecord], scope: Scope) {
        self.lastAppliedSeq = lastAppliedSeq
        self.storedOutcomes = storedOutcomes
        self.records = records
        self.scope = scope
    }
}
