import FieldDomain
import SyncModel

/// Builds one pull page from what an adapter reads, so that every adapter pages alike
/// (protocol/scopes.md §4). It holds no scope rule: the `Scope` says which households moved in or out, and
/// the adapter supplies
/// - `movedIn`: every record of the households that moved in after the cursor (any position), and
/// - `movedOut`: the keys of every record of the households that left after the cursor, and
/// - `walk`: the records in scope with a log position above a given one, in position order (its ordinary
///   log).
///
/// Items are delivered in *delivery* order: a record at `max(position, since)`, a removal at the position
/// at which its household left. Records of one moved-in household share a position and come in one page
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

    /// The page: its items, whether more wait, and the position of its last item. `walk` is called as the
    /// page needs rows (an adapter whose reads are synchronous, inside its read transaction).
    package func assemble(movedIn: [Sized], movedOut: [(key: RecordKey, householdId: String)],
                          walk: (_ afterPosition: Int64, _ limit: Int) throws -> [Sized]) throws
        -> (items: [PullItem], hasMore: Bool, lastPosition: Int64?)
    {
        var assembly = start(movedIn: movedIn, movedOut: movedOut)
        while let request = assembly.step() { assembly.feed(try walk(request.after, request.limit)) }
        return assembly.result
    }

    /// The same for an adapter whose reads are asynchronous.
    package func assemble(movedIn: [Sized], movedOut: [(key: RecordKey, householdId: String)],
                          walk: (_ afterPosition: Int64, _ limit: Int) async throws -> [Sized]) async throws
        -> (items: [PullItem], hasMore: Bool, lastPosition: Int64?)
    {
        var assembly = start(movedIn: movedIn, movedOut: movedOut)
        while let request = assembly.step() { assembly.feed(try await walk(request.after, request.limit)) }
        return assembly.result
    }

    /// An assembly in progress: `step()` runs until the page is complete (nil) or it needs rows of the walk
    /// after a position, which the adapter reads and hands to `feed`.
    package func start(movedIn: [Sized], movedOut: [(key: RecordKey, householdId: String)]) -> Assembly {
        let since = scope.movedIn(after: after)
        let departures = scope.movedOut(after: after)
        // Groups at one position each, in position order.
        var groups: [Int64: (items: [PullItem], bytes: Int)] = [:]
        // Tombstones come too: a device that held the household before it left and came back may still
        // hold a record deleted meanwhile (the convergence histories found this).
        for (record, bytes) in movedIn {
            guard let household = record.scope.householdId, let position = since[household],
                record.position <= position
            else { continue }
            groups[position, default: ([], 0)].items.append(.record(record))
            groups[position, default: ([], 0)].bytes += bytes
        }
        for (key, household) in movedOut {
            guard let departure = departures[household] else { continue }
            groups[departure.position, default: ([], 0)].items.append(.removed(key, position: departure.position))
            groups[departure.position, default: ([], 0)].bytes += key.collection.rawValue.utf8.count + key.id.utf8.count + 80
        }
        let extras = groups.sorted { $0.key < $1.key }
            .map { (position: $0.key, items: Self.ordered($0.value.items), bytes: $0.value.bytes) }
        return Assembly(since: since, extras: extras, maxBytes: maxBytes, chunk: chunk, walkAfter: after)
    }

    /// The state of one page being assembled (see `start`).
    package struct Assembly {
        let since: [String: Int64]
        let extras: [(position: Int64, items: [PullItem], bytes: Int)]
        let maxBytes: Int
        let chunk: Int
        var extraIndex = 0
        var buffer: [Sized] = []
        var bufferIndex = 0
        var walkAfter: Int64
        var walkDone = false
        var items: [PullItem] = []
        var bytes = 0
        var last: Int64?
        var hasMore = false
        var finished = false

        init(since: [String: Int64], extras: [(position: Int64, items: [PullItem], bytes: Int)], maxBytes: Int,
             chunk: Int, walkAfter: Int64) {
            self.since = since
            self.extras = extras
            self.maxBytes = maxBytes
            self.chunk = chunk
            self.walkAfter = walkAfter
        }

        /// The page so far (complete once `step()` returned nil).
        package var result: (items: [PullItem], hasMore: Bool, lastPosition: Int64?) { (items, hasMore, last) }

        /// Rows of the walk, as asked for by the last `step()`.
        package mutating func feed(_ rows: [Sized]) {
            walkDone = rows.count < chunk
            walkAfter = rows.last?.record.position ?? walkAfter
            // A moved-in household's records up to its position come in its group instead.
            buffer = rows.filter { row in
                guard let household = row.record.scope.householdId, let position = since[household] else { return true }
                return row.record.position > position
            }
            bufferIndex = 0
        }

        /// Adds items until the page is full or complete (nil), or until it needs more rows of the walk.
        package mutating func step() -> (after: Int64, limit: Int)? {
            while !finished {
                // Nothing is consumed before the walk has rows to compare, so asking for them and coming
                // back here later resumes exactly where this left off.
                if bufferIndex >= buffer.count && !walkDone { return (walkAfter, chunk) }
                let ordinary = bufferIndex < buffer.count ? buffer[bufferIndex] : nil
                let extra = extraIndex < extras.count ? extras[extraIndex] : nil
                var next: [PullItem]
                var size: Int
                let position: Int64
                if let ordinary, extra.map({ ordinary.record.position < $0.position }) ?? true {
                    position = ordinary.record.position
                    next = [.record(ordinary.record)]
                    size = ordinary.bytes
                    bufferIndex += 1
                } else if let extra {
                    position = extra.position
                    next = extra.items
                    size = extra.bytes
                    extraIndex += 1
                    // Nothing may share a position with a group and land on another page (the cursor would
                    // skip it). Rows of the walk never share a position, so one look ahead is enough.
                    if let ordinary, ordinary.record.position == position {
                        next.append(.record(ordinary.record))
                        size += ordinary.bytes
                        bufferIndex += 1
                    }
                } else {
                    finished = true
                    break
                }
                if !items.isEmpty && bytes + size > maxBytes {
                    hasMore = true
                    finished = true
                    break
                }
                items += next
                bytes += size
                last = position
            }
            return nil
        }
    }

    /// Records of a group in a stable order: households first, then members, assignments and visits, each
    /// by position (the client applies a page in one transaction, the order only makes pages reproducible).
    private static func ordered(_ items: [PullItem]) -> [PullItem] {
        items.sorted { lhs, rhs in
            switch (lhs, rhs) {
            case (.record(let a), .record(let b)): return (a.position, a.collection.rawValue, a.id) < (b.position, b.collection.rawValue, b.id)
            case (.removed(let a, _), .removed(let b, _)): return (a.collection.rawValue, a.id) < (b.collection.rawValue, b.id)
            case (.removed, .record): return true
            case (.record, .removed): return false
            }
        }
    }
}
