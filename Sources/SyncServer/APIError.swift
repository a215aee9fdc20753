import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SyncModel
import SyncService

/// An error as the client sees it: an HTTP status and the stable body `{code, message}` (STYLE rule 6).
struct APIError: HTTPResponseError {
    var status: HTTPResponse.Status
    var code: ErrorCode
    var message: String
    var headers: HTTPFields = [:]

    init(_ status: HTTPResponse.Status, _ code: ErrorCode, _ message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
    }

    /// A service-level refusal, answered with its code's documented status.
    init(_ error: ServiceError) {
        self.init(HTTPResponse.Status(code: error.code.httpStatus), error.code, error.message)
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var buffer = ByteBuffer()
        buffer.writeBytes(try JSONResponse.encoder.encode(APIErrorBody(code: code, message: message)))
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        if code == .tokenMissing || code == .tokenInvalid || code == .tokenExpired {
            fields[.wwwAuthenticate] = "Bearer"
        }
        return Response(status: status, headers: fields, body: .init(byteBuffer: buffer))
    }
}
