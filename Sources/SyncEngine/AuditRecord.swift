/// An audit entry in its place in the chain (protocol/audit.md §4): `hash` is SHA-256 over the canonical
/// encoding of (`seq`, `prevHash`, `body`), and `prevHash` is the hash of entry `seq - 1` (64 zeros for the
/// first entry).
package struct AuditRecord: Sendable, Hashable {
    /// 1, 2, 3… without gaps.
    package var seq: Int64
    package var prevHash: String
    package var hash: String
    /// The entry's canonical encoding (`AuditEntry.body`), as stored.
    package var body: [UInt8]

    package init(seq: Int64, prevHash: String, hash: String, body: [UInt8]) {
        self.seq = seq
        self.prevHash = prevHash
        self.hash = hash
        self.body = body
    }

    /// The entry, decoded from its body.
    package func entry() throws -> AuditEntry { try AuditEntry(body: body) }
}

/// The newest chained entry: its sequence number and hash. Stores keep it in a row of its own, so that
/// deleting the last entries without also rewriting the head shows; the operator keeps copies outside the
/// database (`verify --expect-head`), which is what shows the rest.
package struct AuditHead: Sendable, Hashable, CustomStringConvertible {
    package var seq: Int64
    package var hash: String

    package init(seq: Int64, hash: String) {
        self.seq = seq
        self.hash = hash
    }

    /// Before the first entry.
    package static let empty = AuditHead(seq: 0, hash: AuditChain.genesisHash)

    /// `HASH@SEQ`, the form `bangfu-admin audit verify` prints and `--expect-head` reads.
    package var description: String { "\(hash)@\(seq)" }

    /// Reads `HASH@SEQ`.
    package init?(anchor text: String) {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, let seq = Int64(parts[1]), seq >= 0, AuditChain.isHash(String(parts[0])) else { return nil }
        self.init(seq: seq, hash: String(parts[0]))
    }
}
