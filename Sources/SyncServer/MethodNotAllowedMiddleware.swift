import HTTPTypes
import Hummingbird
import SyncModel
import Synchronization

/// Answers a request for a known path with a method it does not have with `405 method_not_allowed` and an
/// `Allow` header (RFC 9110 §15.5.6), instead of the router's 404, which would tell a client the path does
/// not exist.
struct MethodNotAllowedMiddleware<Context: RequestContext>: RouterMiddleware {
    let routes: KnownRoutes

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            let allowed = routes.methods(for: request.uri.path)
            guard !allowed.isEmpty, !allowed.contains(request.method) else { throw error }
            let allow = allowed.map(\.rawValue).sorted().joined(separator: ", ")
            throw APIError(.methodNotAllowed, .methodNotAllowed,
                           "该接口不支持 \(request.method.rawValue) 方法 (method not allowed; use \(allow))",
                           headers: [.allow: allow])
        }
    }
}

/// The routes a router has, read once they are all registered (`Router.routes`), for
/// `MethodNotAllowedMiddleware`. The middleware is added before the routes, so it holds this box.
final class KnownRoutes: Sendable {
    private struct Route: Sendable {
        var path: RouterPath
        var method: HTTPRequest.Method
    }

    /// Written once at start-up, read by every request that misses a route.
    private let routes = Mutex<[Route]>([])

    /// Takes the routes of `router`.
    func load<C>(from router: Router<C>) {
        let all = router.routes.map { Route(path: $0.path, method: $0.method) }
        routes.withLock { $0 = all }
    }

    /// The methods routes have for `path`; empty when no route has this path.
    func methods(for path: String) -> Set<HTTPRequest.Method> {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        return routes.withLock { routes in
            Set(routes.filter { Self.matches($0.path, segments) }.map(\.method))
        }
    }

    private static func matches(_ pattern: RouterPath, _ segments: [Substring]) -> Bool {
        let elements = Array(pattern)
        if elements.last.map({ "\($0)" == "**" }) == true {
            guard segments.count >= elements.count - 1 else { return false }
            return zip(elements.dropLast(), segments).allSatisfy { $0 ~= $1 }
        }
        guard elements.count == segments.count else { return false }
        return zip(elements, segments).allSatisfy { $0 ~= $1 }
    }
}
