import Logging
import PostgresNIO

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
extension PostgresSyncStore {
    /// The advisory-lock key ticks hold ("bangfu" + 1).
    static let sequencerLock: Int64 = 0x6261_6e67_6676

    /// How often the background loop ticks.
    static let tickInterval: Duration = .seconds(1)

    /// Stamps every committed, unlocked record without a position. Returns how many it stamped.
    @discardableResult
    func sequence() async throws -> Int {
        try await transaction { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.sequencerLock))", logger: logger)
            let stamped = try await scalar("""
                WITH pending AS (
                    SELECT collection, id FROM records WHERE position IS NULL FOR UPDATE SKIP LOCKED),
                stamped AS (
                    UPDATE records r SET position = nextval('log_position')
                    FROM pending p WHERE r.collection = p.collection AND r.id = p.id
                    RETURNING r.position),
                top AS (SELECT count(*) AS n, max(position) AS head FROM stamped),
                raised AS (
                    UPDATE meta SET value = top.head FROM top WHERE key = 'head' AND top.head IS NOT NULL)
                SELECT n FROM top
                """, on: connection) ?? 0
            return Int(stamped)
        }
    }

    /// Ticks every `tickInterval` until cancelled; a failed tick (database away) is logged and retried.
    func runSequencer() async {
        while !Task.isCancelled {
            do {
                try await sequence()
            } catch {
                if Task.isCancelled { return }
                logger.warning("sequencer tick failed", metadata: ["error": "\(String(reflecting: error))"])
            }
            try? await Task.sleep(for: Self.tickInterval)
        }
    }
}
