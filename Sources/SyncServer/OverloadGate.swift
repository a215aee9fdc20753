import Hummingbird
import Synchronization
import SyncModel

/// Backpressure (DESIGN §3.10): beyond `limit` requests in flight, answer 503 with `Retry-After` instead of
/// queueing without bound; clients back off with jitter.
struct OverloadGate<Context: RequestContext>: RouterMiddleware {
    let limit: Int
    let inFlight: InFlightCounter

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        guard inFlight.enter(limit: limit) else {
            throw APIError(.serviceUnavailable, .overloaded, "服务器繁忙，请稍后重试 (server busy, retry later)",
                           headers: [.retryAfter: "1"])
        }
        defer { inFlight.leave() }
        return try await next(request, context)
    }
}

/// Counts requests in flight.
final class InFlightCounter: Sendable {
    private let count = Mutex(0)

    /// Enters if fewer than `limit` are in flight.
    func enter(limit: Int) -> Bool {
        count.withLock { count in
            guard count < limit else { return false }
            count += 1
            return true
        }
    }

    func leave() {
        count.withLock { $0 -= 1 }
    }
}
