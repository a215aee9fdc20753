import Logging
import Synchronization
import PostgresNIO
import SyncStore

/// The sequencer (docs/log-positions.md §3): writers commit records with `position = NULL`, and positions
/// are assigned after commit, one short transaction at a time, so that readers never see a position while
/// a smaller one can still appear, however many nodes write at once.
///
/// A tick takes the transaction-scoped advisory lock `sequencerLock` (so ticks never interleave; the lock
/// goes with the transaction, also when its node dies), then stamps every committed unsequenced row that no
/// writer holds (`SKIP LOCKED`: a row a writer is rewriting is stamped after that writer commits) with the
/// next values of `log_position`, and raises the head to the highest. Each tick's positions are above every
/// earlier tick's and become visible at once, so a pull that reached `p` can never later find a change below
/// `p`. Every write operation ticks right after its commit (a device reads its own writes on its next pull);
/// `run()` also ticks every `tickInterval`, for a node that died between a commit and its tick.
///
/// A tick also chains the audit entries writers committed unchained (`chainAudit`), under the same lock.
///
/// A tick that stamped anything sends `NOTIFY bangfu_log` with the scope keys of what it stamped (delivered
/// at its commit, to every node); each node's listener publishes it to `logAdvances`, which pokes the
/// devices connected to that node whose scope it touches.
extension PostgresSyncStore {
    /// The channel ticks notify on.
    static let logChannel = "bangfu_log"

    /// The advisory-lock key ticks hold ("bangfu" + 1).
    static let sequencerLock: Int64 = 0x6261_6e67_6676

    /// How often the background loop ticks.
    static let tickInterval: Duration = .seconds(1)

    /// Stamps every committed, unlocked record without a position. Returns how many it stamped.
    @discardableResult
    func sequence() async throws -> Int {
        try await transaction { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.sequencerLock))", logger: logger)
            // The scope keys come back bounded: more than `LogAdvance.maxKeys` of a kind means "everything".
            let limit = LogAdvance.maxKeys + 1
            var stamped = 0
            var advance = LogAdvance()
            for try await (count, households, villages, helpers) in try await connection.query("""
                WITH pending AS (
                    SELECT collection, id FROM records WHERE position IS NULL FOR UPDATE SKIP LOCKED),
                stamped AS (
                    UPDATE records r SET position = nextval('log_position')
                    FROM pending p WHERE r.collection = p.collection AND r.id = p.id
                    RETURNING r.position, r.household_id, r.village_code, r.helper_id),
                raised AS (
                    UPDATE meta SET value = (SELECT max(position) FROM stamped)
                    WHERE key = 'head' AND EXISTS (SELECT 1 FROM stamped))
                SELECT (SELECT count(*) FROM stamped),
                       (SELECT array_agg(k) FROM (SELECT DISTINCT household_id AS k FROM stamped
                                                  WHERE household_id IS NOT NULL LIMIT \(limit)) h),
                       (SELECT array_agg(k) FROM (SELECT DISTINCT village_code AS k FROM stamped
                                                  WHERE village_code IS NOT NULL LIMIT \(limit)) v),
                       (SELECT array_agg(k) FROM (SELECT DISTINCT helper_id AS k FROM stamped
                                                  WHERE helper_id IS NOT NULL LIMIT \(limit)) p)
                """, logger: logger).decode((Int64, [String]?, [String]?, [String]?).self) {
                stamped = Int(count)
                advance = LogAdvance(households: Set(households ?? []), villages: Set(villages ?? []),
                                     helpers: Set(helpers ?? []))
            }
            if stamped > 0 {
                try await connection.query("SELECT pg_notify(\(Self.logChannel), \(advance.encoded))", logger: logger)
            }
            try await chainAudit(on: connection)
            return stamped
        }
    }

    /// Listens for ticks of every node and publishes them to `logAdvances`, until cancelled; after a lost
    /// connection it listens again, and announces "everything" once (what it missed meanwhile is unknown).
    func runListener() async {
        var reconnecting = false
        while !Task.isCancelled {
            do {
                try await client.withConnection { connection in
                    try await connection.listen(on: Self.logChannel) { notifications in
                        if reconnecting { self.logAdvances.publish(LogAdvance(everything: true)) }
                        for try await notification in notifications {
                            self.logAdvances.publish(LogAdvance(encoded: notification.payload))
                        }
                    }
                }
            } catch {
                if Task.isCancelled { return }
                logger.warning("log listener lost its connection", metadata: ["error": "\(error)"])
            }
            reconnecting = true
            try? await Task.sleep(for: Self.tickInterval)
        }
    }

    /// Returns once a tick that began after this call has finished, sharing ticks with the node's other
    /// writes (`TickCoalescer`). A failed tick is logged: the rows keep no position until the next tick
    /// (the fallback loop's at the latest), and the write itself has committed.
    ///
    /// The wait is bounded by `tickDeadline`: a tick stuck on the database (a primary that just died, a
    /// connection the pool cannot yet replace) must not hold up the answer to writes that have committed.
    /// Their rows then get positions from a later tick; the device keeps its acknowledged write visible
    /// until a pull brings it back (protocol/README.md §6).
    func sequenceAfterCommit() async {
        await ticks.tickAfterNow {
            await Self.firstOf(deadline: Self.tickDeadline) {
                do {
                    try await self.sequence()
                } catch {
                    self.logger.warning("sequencer tick failed", metadata: ["error": "\(error)"])
                }
            }
        }
    }

    /// How long a write waits for its tick at most.
    static let tickDeadline: Duration = .seconds(3)

    /// Runs `work` and returns when it finishes or after `deadline`, whichever comes first; `work` goes on
    /// in the background if it is late.
    static func firstOf(deadline: Duration, _ work: @escaping @Sendable () async -> Void) async {
        let claimed = Atomic<Bool>(false)
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeOnce: @Sendable () -> Void = {
                if !claimed.exchange(true, ordering: .acquiringAndReleasing) { continuation.resume() }
            }
            Task {
                await work()
                resumeOnce()
            }
            Task {
                try? await Task.sleep(for: deadline)
                resumeOnce()
            }
        }
    }

    /// Ticks every `tickInterval` until cancelled; a failed tick (database away) is logged and retried.
    func runSequencer() async {
        while !Task.isCancelled {
            do {
                try await sequence()
            } catch {
                if Task.isCancelled { return }
                logger.warning("sequencer tick failed", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: Self.tickInterval)
        }
    }
}
