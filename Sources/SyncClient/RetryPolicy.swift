/// How the sync loop backs off after a retryable failure: exponential backoff with *full jitter* (a delay
/// drawn uniformly from zero up to `min(cap, base × factor^(attempt−1))`), never shorter than a server's
/// `Retry-After`, so that thousands of devices that lost the network together do not return together.
public struct RetryPolicy: Sendable, Hashable {
    /// The ceiling of the first delay, in seconds.
    public var baseDelay: Double
    /// How much the ceiling grows per attempt.
    public var factor: Double
    /// The largest ceiling, in seconds.
    public var maxDelay: Double
    /// The longest `Retry-After` honoured, in seconds (a broken header cannot park a device for a day).
    public var maxRetryAfter: Double
    /// How many attempts one `sync()` makes in all (the first included) before giving up.
    public var maxAttempts: Int

    /// Makes a policy.
    public init(baseDelay: Double = 0.5, factor: Double = 2, maxDelay: Double = 60, maxRetryAfter: Double = 300,
                maxAttempts: Int = 8) {
        self.baseDelay = baseDelay
        self.factor = factor
        self.maxDelay = maxDelay
        self.maxRetryAfter = maxRetryAfter
        self.maxAttempts = max(1, maxAttempts)
    }

    /// Base 0.5 s, factor 2, cap 60 s, 8 attempts.
    public static let `default` = RetryPolicy()

    /// The ceiling of the delay after failed attempt number `attempt` (1 for the first failure).
    public func ceiling(afterAttempt attempt: Int) -> Double {
        var ceiling = baseDelay
        for _ in 1..<max(1, attempt) {
            ceiling *= factor
            if ceiling >= maxDelay { return maxDelay }
        }
        return min(ceiling, maxDelay)
    }

    /// The delay, in seconds, after failed attempt number `attempt`, drawing the jitter from `random`.
    public func delay(afterAttempt attempt: Int, retryAfter: Double?, using random: inout some RandomNumberGenerator)
        -> Double
    {
        // A uniform fraction in [0, 1) from the top 53 bits, so a test generator fixes it exactly.
        let fraction = Double(random.next() >> 11) / Double(UInt64(1) << 53)
        let jittered = fraction * ceiling(afterAttempt: attempt)
        guard let retryAfter, retryAfter > 0 else { return jittered }
        return max(jittered, min(retryAfter, maxRetryAfter))
    }
}
