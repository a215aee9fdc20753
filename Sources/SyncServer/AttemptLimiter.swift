/// Token buckets per client address for the credential routes (`POST /sync/enrol`, `POST /sync/token`;
/// protocol/README.md §10): a value type with no clock and no I/O (STYLE rule 3); `AttemptGate` holds it
/// under a lock and reads the clock.
///
/// Each address has a bucket of `burst` tokens that refills at `perMinute` tokens a minute. An attempt takes
/// a token before it runs, and is refused (`limited`, with how long until the next token) when there is
/// none. An attempt that succeeded gives its token back (`giveBack`): what the limit counts is refused
/// attempts (a wrong code, a stale refresh token) and attempts still in flight, so a phone enrolling or
/// refreshing normally never meets it, while guessing codes from one address is held to `perMinute`.
///
/// Memory is bounded: buckets live in two generations. A new generation starts when the current one is
/// older than the time a bucket takes to refill completely, which drops nothing but full buckets (a bucket
/// untouched that long is full again), or when it holds half of `maxAddresses`, which under a flood of
/// addresses forgets the oldest ones early (they start again full). A full bucket is not kept at all.
package struct AttemptLimiter: Sendable {
    /// What to do with an attempt.
    package enum Decision: Sendable, Hashable {
        case allowed
        /// Refused; a token is due in this many whole seconds (at least 1).
        case limited(retryAfterSeconds: Int)
    }

    struct Bucket: Sendable {
        var tokens: Double
        var updated: Duration
    }

    /// Tokens added per minute; 0 turns the limit off.
    package let perMinute: Int
    /// The most tokens a bucket holds: attempts allowed at once after a quiet spell.
    package let burst: Int
    /// The most addresses tracked at once.
    package let maxAddresses: Int
    private var current: [String: Bucket] = [:]
    private var previous: [String: Bucket] = [:]
    private var generationStarted: Duration = .zero

    package init(perMinute: Int, burst: Int, maxAddresses: Int = 100_000) {
        self.perMinute = max(perMinute, 0)
        self.burst = max(burst, 1)
        self.maxAddresses = max(maxAddresses, 2)
    }

    /// How many addresses have a bucket now (full buckets are not kept).
    package var trackedAddresses: Int { current.count + previous.count }

    /// Takes a token for an attempt from `address` at `now` (any monotonic origin).
    package mutating func take(_ address: String, at now: Duration) -> Decision {
        guard perMinute > 0 else { return .allowed }
        rotate(at: now)
        var bucket = bucket(address, at: now)
        defer { keep(bucket, for: address) }
        guard bucket.tokens >= 1 else {
            let seconds = (1 - bucket.tokens) * 60 / Double(perMinute)
            return .limited(retryAfterSeconds: max(1, Int(seconds.rounded(.up))))
        }
        bucket.tokens -= 1
        return .allowed
    }

    /// Gives back the token of an attempt from `address` that succeeded.
    package mutating func giveBack(_ address: String, at now: Duration) {
        guard perMinute > 0 else { return }
        rotate(at: now)
        var bucket = bucket(address, at: now)
        bucket.tokens = min(Double(burst), bucket.tokens + 1)
        keep(bucket, for: address)
    }

    /// The time an empty bucket takes to fill.
    private var refillTime: Duration { .milliseconds(Int64(burst) * 60_000 / Int64(perMinute)) }

    private mutating func rotate(at now: Duration) {
        guard now - generationStarted >= refillTime || current.count >= maxAddresses / 2 else { return }
        previous = current
        current = [:]
        generationStarted = now
    }

    /// The address's bucket refilled up to `now`; a new address's is full.
    private mutating func bucket(_ address: String, at now: Duration) -> Bucket {
        guard var bucket = current[address] ?? previous.removeValue(forKey: address) else {
            return Bucket(tokens: Double(burst), updated: now)
        }
        let elapsed = now - bucket.updated
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        bucket.tokens = min(Double(burst), bucket.tokens + max(seconds, 0) * Double(perMinute) / 60)
        bucket.updated = now
        return bucket
    }

    private mutating func keep(_ bucket: Bucket, for address: String) {
        if bucket.tokens >= Double(burst) {
            current[address] = nil
        } else {
            current[address] = bucket
        }
    }
}
