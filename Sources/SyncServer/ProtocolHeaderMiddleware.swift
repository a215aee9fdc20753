import HTTPTypes
import Hummingbird
import SyncModel

/// Puts `Bangfu-Protocol-Supported` on every response to `/sync/*` (protocol/README.md §4), errors, 404s and
/// the overload gate's 503 included, so that a client learns the supported range from any answer. It runs
/// outside the error middleware, which has turned every error into a response by then.
struct ProtocolHeaderMiddleware<Context: RequestContext>: RouterMiddleware {
    static var headerName: HTTPField.Name { HTTPField.Name(ProtocolVersion.supportedHeaderName)! }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        var response = try await next(request, context)
        if request.uri.path.hasPrefix("/sync/") {
            response.headers[Self.headerName] = SyncRoutes<Context>.supportedRange
        }
        return response
    }
}
