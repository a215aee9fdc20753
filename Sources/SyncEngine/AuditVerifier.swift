/// Walks the audit log in order and reports the first break (protocol/audit.md §5). Pure: the caller reads
/// entries in pages from a store and feeds them in order, so memory stays bounded however long the log.
package struct AuditVerifier: Sendable {
    /// The first place the chain does not hold, and why.
    package struct Break: Sendable, Hashable, CustomStringConvertible {
        package enum Reason: String, Sendable, Hashable {
            /// The entry's hash does not match its content: the entry was edited.
            case edited
            /// A sequence number is missing: the entry was deleted.
            case deleted
            /// The entry does not follow the previous one (its `prevHash`, or numbers out of order): entries
            /// were reordered, or deleted and the rest renumbered.
            case reordered
            /// The head row disagrees with the last entry: the newest entries were deleted (or the head edited).
            case headMismatch
            /// The chain does not pass through the anchor the operator kept: entries up to it were rewritten,
            /// or the newest ones deleted together with the head row.
            case anchorMismatch
        }

        package var seq: Int64
        package var reason: Reason
        package var detail: String

        package var description: String { "seq \(seq): \(reason.rawValue) (\(detail))" }
    }

    /// The last entry checked.
    package private(set) var last: AuditHead = .empty
    /// The anchor to check against, `HASH@SEQ`, and whether the walk met it.
    package let anchor: AuditHead?
    private var anchorMet = false
    /// The first break found; once set, further entries are ignored.
    package private(set) var failure: Break?

    package init(anchor: AuditHead? = nil) {
        self.anchor = anchor
        anchorMet = anchor?.seq == 0 && anchor?.hash == AuditHead.empty.hash
    }

    /// Checks the next entries (in ascending `seq` order as stored). Returns the first break, if any.
    @discardableResult
    package mutating func check(_ records: some Sequence<AuditRecord>) -> Break? {
        for record in records {
            guard failure == nil else { break }
            failure = check(record)
        }
        return failure
    }

    private mutating func check(_ record: AuditRecord) -> Break? {
        let expected = last.seq + 1
        if record.seq > expected {
            return Break(seq: expected, reason: .deleted, detail: "expected seq \(expected), found \(record.seq)")
        }
        if record.seq < expected {
            return Break(seq: record.seq, reason: .reordered, detail: "seq \(record.seq) after \(last.seq)")
        }
        if record.prevHash != last.hash {
            return Break(seq: record.seq, reason: .reordered,
                         detail: "prevHash does not match the hash of seq \(last.seq)")
        }
        let recomputed = AuditChain.hash(seq: record.seq, prevHash: record.prevHash, body: record.body)
        if recomputed != record.hash {
            return Break(seq: record.seq, reason: .edited, detail: "hash does not match the entry's content")
        }
        last = AuditHead(seq: record.seq, hash: record.hash)
        if let anchor, anchor.seq == record.seq {
            guard anchor.hash == record.hash else {
                return Break(seq: record.seq, reason: .anchorMismatch, detail: "hash differs from the kept anchor")
            }
            anchorMet = true
        }
        return nil
    }

    /// Ends the walk: the last entry must be the one the store's head row names, and the walk must have met
    /// the anchor. Returns the first break of the whole walk, if any.
    package mutating func finish(storedHead: AuditHead?) -> Break? {
        if failure != nil { return failure }
        let head = storedHead ?? .empty
        if head != last {
            failure = Break(seq: min(head.seq, last.seq + 1), reason: .headMismatch,
                            detail: "head row says \(head), the chain ends at \(last)")
        } else if let anchor, !anchorMet {
            failure = Break(seq: anchor.seq, reason: .anchorMismatch,
                            detail: "the chain ends at seq \(last.seq), before the kept anchor")
        }
        return failure
    }
}
