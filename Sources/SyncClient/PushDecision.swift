import SyncModel

/// What to do after a push answer: a pure reading of the response against what was sent (style rule 3),
/// which the sync loop then carries out.
struct PushDecision: Sendable, Hashable {
    /// What comes next.
    enum Next: Sendable, Hashable {
        /// Push the outbox's next batch (if any).
        case proceed
        /// The server asked for some mutations again later: stop pushing for this attempt.
        case retryLater
        /// The server reported a gap: resend starting at this sequence number.
        case resend(from: Int64)
        /// The answer cannot be right; stop rather than loop.
        case violation(String)
    }

    /// Outbox entries up to here are done.
    var acknowledgeUpTo: Int64
    /// What comes next.
    var next: Next

    /// Reads `response` to a push of `sent`, given the sequence number the device already knew acknowledged.
    static func make(sent: [Mutation], response: PushResponse, acknowledged: Int64) -> PushDecision {
        let ack = response.lastAppliedSeq
        if let expected = response.expectedSeq {
            if expected <= acknowledged {
                // The device dropped those entries because this server acknowledged them: it has lost state.
                return PushDecision(acknowledgeUpTo: ack, next: .violation(
                    "server expects seq \(expected) but had acknowledged up to \(acknowledged)"))
            }
            return PushDecision(acknowledgeUpTo: ack, next: .resend(from: expected))
        }
        if response.results.contains(where: { $0.status == .retryLater }) {
            return PushDecision(acknowledgeUpTo: ack, next: .retryLater)
        }
        guard let last = sent.last else { return PushDecision(acknowledgeUpTo: ack, next: .proceed) }
        if ack < last.seq && ack <= acknowledged {
            // Nothing asked to be retried, no gap, no progress: pushing again would loop.
            return PushDecision(acknowledgeUpTo: ack, next: .violation(
                "server applied nothing of a batch ending at seq \(last.seq) without saying why"))
        }
        return PushDecision(acknowledgeUpTo: ack, next: .proceed)
    }
}
