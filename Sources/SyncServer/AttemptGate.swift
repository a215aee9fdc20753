import NIOCore
import Synchronization
import SyncModel

/// The credential routes' rate limit per client address, in memory on this node (protocol/README.md §10):
/// `AttemptLimiter` under a lock, with the clock injected (STYLE rule 4). Over the limit an attempt is
/// answered `429 rate_limited` with `Retry-After` before it does any work; an attempt that succeeds, or that
/// the server failed (5xx), gives its token back.
package final class AttemptGate: Sendable {
    private let limiter: Mutex<AttemptLimiter>
    private let now: @Sendable () -> Duration

    /// - Parameter now: a monotonic clock (any origin); by default the continuous clock since this gate was made.
    init(perMinute: Int, burst: Int, maxAddresses: Int = 100_000, now: (@Sendable () -> Duration)? = nil) {
        limiter = Mutex(AttemptLimiter(perMinute: perMinute, burst: burst, maxAddresses: maxAddresses))
        let origin = ContinuousClock.now
        self.now = now ?? { ContinuousClock.now - origin }
    }

    func take(_ address: String) -> AttemptLimiter.Decision {
        let at = now()
        return limiter.withLock { $0.take(address, at: at) }
    }

    func giveBack(_ address: String) {
        let at = now()
        limiter.withLock { $0.giveBack(address, at: at) }
    }

    /// The bucket a client address counts against: an IPv4 address, an IPv6 /64 (one subscriber's
    /// network: a phone on IPv6 has a whole /64 to choose addresses from), an IPv4-mapped IPv6 address as
    /// its IPv4 address, and one shared bucket for clients without an IP address.
    package static func key(_ address: SocketAddress?) -> String {
        switch address {
        case .v4?:
            return address?.ipAddress ?? "unknown"
        case .v6(let v6)?:
            let bytes = withUnsafeBytes(of: v6.address.sin6_addr) { Array($0) }
            if bytes.prefix(10).allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF {
                return bytes[12...].map(String.init).joined(separator: ".")
            }
            return Hex.encode(bytes.prefix(8)) + "/64"
        default:
            return "local"
        }
    }
}
