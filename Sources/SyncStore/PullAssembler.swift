import FieldDomain
import SyncModel

/// Builds one pull page from what an adapter reads, so that every adapter pages alike
/// (protocol/scopes.md §4). It holds no scope rule: the `Scope` says which households moved in or out, and
/// the adapter supplies
/// - `movedIn`: every record of the households that moved in after the cursor (any version), and
/// - `movedOut`: the keys of every record of the households that left after the cursor, and
/// - `walk`: the records in scope with a version above a given one, in version order (its ordinary log).
///
/// Items are delivered in *position* order: a record at `max(version, since)`, a removal at the version at
/// which its household left. Records of one moved-in household share a position and come in one page
/// together (like a single record larger than the budget), so the cursor never splits them.
package struct PullAssembler {
    /// A record as read, with its size on the wire (`RecordCodec.wireSize`).
    package typealias Sized = (record: SyncRecord, bytes: Int)

    package let scope: Scope
    package let after: Int64
    package let maxBytes: Int
    /// Rows the walk is asked for at a time.
    package var chunk = 256

    package init(scope: Scope, after: Int64, maxBytes: Int) {
        self.scope = scope
        self.after = after
        self.maxBytes = maxBytes
    }

    /// The households whose records the adapter must read whole for `movedIn`.
    package var movedInHouseholds: [String] { scope.movedIn(after: after).keys.sorted() }

    /// The households whose record keys the adapter must read for `movedOut`.
    package var movedOutHouseholds: [String] { scope.movedOut(after: after).keys.sorted() }

    /// The page: its items, whether more wait, and the position of its last item.
    package func assemble(movedIn: [Sized], movedOut: [(key: RecordKey, householdId: String)],
                          walk: (_ afterVersion: Int64, _ limit: Int) throws -> [Sized]) throws
        -> (items: [PullItem], hasMore: Bool, lastPosition: Int64?)
    {
        let since = scope.movedIn(after: after)
        let departures = scope.movedOut(after: after)
        // Groups at one position each, in position order.
        var groups: [Int64: (items: [PullItem], bytes: Int)] = [:]
        // Tombstones come too: a device that held the household before it left and came back may still
        // hold a record deleted meanwhile (the convergence histories found this).
        for (record, bytes) in movedIn {
            guard let household = record.scope.householdId, let position = since[household],
                record.version <= position
            else { continue }
            groups[position, default: ([], 0)].items.append(.record(record))
            groups[position, default: ([], 0)].bytes += bytes
        }
        for (key, household) in movedOut {
            guard let departure = departures[household] else { continue }
            groups[departure.version, default: ([], 0)].items.append(.removed(key, position: departure.version))
            groups[departure.version, default: ([], 0)].bytes += key.collection.rawValue.utf8.count + key.id.utf8.count + 80
        }
        let extras = groups.sorted { $0.key < $1.key }.map { (position: $0.key, items: Self.ordered($0.value.items), bytes: $0.value.bytes) }
        var extraIndex = 0

        var buffer: [Sized] = []
        var bufferIndex = 0
        var walkAfter = after
        var walkDone = false
        func nextOrdinary() throws -> Sized? {
            while bufferIndex >= buffer.count {
                guard !walkDone else { return nil }
                let rows = try walk(walkAfter, chunk)
                walkDone = rows.count < chunk
                walkAfter = rows.last?.record.version ?? walkAfter
                // A moved-in household's records up to its position come in its group instead.
                buffer = rows.filter { row in
                    guard let household = row.record.scope.householdId, let position = since[household] else { return true }
                    return row.record.version > position
                }
                bufferIndex = 0
            }
            return buffer[bufferIndex]
        }

        var items: [PullItem] = []
        var bytes = 0
        var last: Int64?
        while true {
            let ordinary = try nextOrdinary()
            let extra = extraIndex < extras.count ? extras[extraIndex] : nil
            let position: Int64
            var next: [PullItem]
            var size: Int
            if let ordinary, extra.map({ ordinary.record.version < $0.position }) ?? true {
                position = ordinary.record.version
                next = [.record(ordinary.record)]
                size = ordinary.bytes
                bufferIndex += 1
            } else if let extra {
                position = extra.position
                next = extra.items
                size = extra.bytes
                extraIndex += 1
                // Nothing may share a position with a group and land on another page (the cursor would skip it).
                if let ordinary, ordinary.record.version == position {
                    next.append(.record(ordinary.record))
                    size += ordinary.bytes
                    bufferIndex += 1
                }
            } else {
                return (items, false, last)
            }
            if !items.isEmpty && bytes + size > maxBytes { return (items, true, last) }
            items += next
            bytes += size
            last = position
        }
    }

    /// Records of a group in a stable order: households first, then members, assignments and visits, each
    /// by version (the client applies a page in one transaction, the order only makes pages reproducible).
    private static func ordered(_ items: [PullItem]) -> [PullItem] {
        items.sorted { lhs, rhs in
            switch (lhs, rhs) {
            case (.record(let a), .record(let b)): return (a.version, a.collection.rawValue, a.id) < (b.version, b.collection.rawValue, b.id)
            case (.removed(let a, _), .removed(let b, _)): return (a.collection.rawValue, a.id) < (b.collection.rawValue, b.id)
            case (.removed, .record): return true
            case (.record, .removed): return false
            }
        }
    }
}
