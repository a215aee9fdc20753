import Crypto
import SyncModel

/// The hash chain of the audit log (protocol/audit.md §4), as pure functions.
package enum AuditChain {
    /// The `prevHash` of the first entry.
    package static let genesisHash = String(repeating: "0", count: 64)

    /// SHA-256, lowercase hex, over the canonical encoding of (`seq`, `prevHash`, `body`): the bytes of
    /// `{"content":BODY,"prevHash":"PREV","seq":SEQ}`, where BODY is the entry's canonical encoding as
    /// stored. That is the JSON object of the three members in sorted order, so a verifier in any language
    /// builds it from the stored columns without parsing the body.
    package static func hash(seq: Int64, prevHash: String, body: [UInt8]) -> String {
        var hasher = SHA256()
        hasher.update(data: Array(#"{"content":"#.utf8))
        hasher.update(data: body)
        hasher.update(data: Array(#","prevHash":""#.utf8))
        hasher.update(data: Array(prevHash.utf8))
        hasher.update(data: Array(#"","seq":"#.utf8))
        hasher.update(data: Array(String(seq).utf8))
        hasher.update(data: Array("}".utf8))
        return Hex.encode(hasher.finalize())
    }

    /// Chains `bodies`, in order, after `head`; returns the records and the new head.
    package static func link(_ bodies: [[UInt8]], after head: AuditHead) -> (records: [AuditRecord], head: AuditHead) {
        var head = head
        var records: [AuditRecord] = []
        records.reserveCapacity(bodies.count)
        for body in bodies {
            let seq = head.seq + 1
            let hash = hash(seq: seq, prevHash: head.hash, body: body)
            records.append(AuditRecord(seq: seq, prevHash: head.hash, hash: hash, body: body))
            head = AuditHead(seq: seq, hash: hash)
        }
        return (records, head)
    }

    /// 64 lowercase hex digits.
    package static func isHash(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

}
