import Hummingbird
import Logging
import NIOCore
import SyncModel
import SyncService
import SyncStore

/// Turns every error into `{code, message}` with a stable code. Internals (SQL, paths, stack details)
/// are logged, never sent.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return try error.response(from: request, context: context)
        } catch let error as ServiceError {
            return try APIError(error).response(from: request, context: context)
        } catch is NIOTooManyBytesError {
            return try APIError(.contentTooLarge, .bodyTooLarge, "请求体过大 (request body too large)")
                .response(from: request, context: context)
        } catch let error as JSONParseError {
            return try APIError(.badRequest, .malformedJSON, "请求体不是合法的 JSON (body is not valid JSON: \(error))")
                .response(from: request, context: context)
        } catch let error as PushEnvelope.ShapeError {
            return try APIError(.badRequest, .malformedJSON, "请求体格式错误 (\(error.message))")
                .response(from: request, context: context)
        } catch let error as DecodingError {
            return try APIError(.badRequest, .malformedJSON, Self.describe(error))
                .response(from: request, context: context)
        } catch let error as HTTPError {
            let code: ErrorCode = error.status == .notFound ? .notFound : .invalidRequest
            let message = error.status == .notFound ? "没有这个接口 (no such endpoint)" : (error.body ?? "\(error.status)")
            return try APIError(error.status, code, message).response(from: request, context: context)
        } catch let error as SyncStoreError where error.code == .unavailable {
            // Nothing was committed (a database failover, a lost connection): the client retries.
            context.logger.warning("store unavailable", metadata: ["error": "\(error)"])
            return try APIError(.serviceUnavailable, .overloaded, "服务器暂时不可用，请稍后重试 (store unavailable, retry later)",
                                headers: [.retryAfter: "1"]).response(from: request, context: context)
        } catch {
            // `describing`, not `reflecting`: a database error's debug text carries the SQL and its values.
            context.logger.error("request failed", metadata: ["error": "\(error)", "error.type": "\(type(of: error))"])
            return try APIError(.internalServerError, .internalError, "服务器内部错误 (internal error)")
                .response(from: request, context: context)
        }
    }

    /// A message naming where the JSON went wrong, without echoing values.
    static func describe(_ error: DecodingError) -> String {
        func path(_ codingPath: [any CodingKey]) -> String {
            codingPath.isEmpty ? "body" : codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
                .joined(separator: ".")
        }
        switch error {
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "请求体不是合法的 JSON (body is not valid JSON)"
                : "JSON 格式错误: \(path(context.codingPath)) (malformed value)"
        case .keyNotFound(let key, let context):
            return "缺少字段 \(path(context.codingPath + [key])) (missing key)"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "字段类型错误: \(path(context.codingPath)) (wrong type)"
        @unknown default:
            return "请求体不是合法的 JSON (body is not valid JSON)"
        }
    }
}
