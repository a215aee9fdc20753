import Hummingbird
import SyncModel

/// Applies an `AttemptGate` to the routes of its group, per client address (`RemoteAddressRequestContext`).
struct AttemptLimitMiddleware<Context: RequestContext>: RouterMiddleware {
    let gate: AttemptGate

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        let address = AttemptGate.key((context as? any RemoteAddressRequestContext)?.remoteAddress)
        if case .limited(let seconds) = gate.take(address) {
            throw APIError(.tooManyRequests, .rateLimited,
                           "尝试次数过多，请稍后重试 (too many attempts from this address; retry later)",
                           headers: [.retryAfter: String(seconds)])
        }
        // Errors become responses here, as the error middleware outside would make them, so that the status
        // decides whether this attempt counts.
        let response = try await ErrorMiddleware<Context>().handle(request, context: context, next: next)
        if !(400..<500).contains(response.status.code) { gate.giveBack(address) }
        return response
    }
}
