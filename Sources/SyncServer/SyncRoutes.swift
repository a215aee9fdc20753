import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOFoundationCompat
import ServiceLifecycle
import SyncModel
import SyncService

/// `/sync/push` and `/sync/pull`: the device-facing protocol (protocol/README.md).
struct SyncRoutes<Context: RequestContext> {
    let service: SyncService
    let maxBodyBytes: Int
    /// The operator token: refused here with 403, like every admin token (protocol/scopes.md §3).
    var adminToken: String? = nil
    /// The rate limit per client address shared by enrolment and refresh, the two routes where a credential
    /// can be guessed without holding one (protocol/README.md §10).
    let credentialAttempts: AttemptGate

    func register(on router: Router<Context>) {
        router.post("/sync/push") { request, context in try await push(request, context: context) }
        router.get("/sync/pull") { request, context in try await pull(request, context: context) }
        router.post("/sync/integrity") { request, context in try await integrity(request, context: context) }
        router.get("/sync/events") { request, context in try await events(request, context: context) }
        let credentials = router.group().add(middleware: AttemptLimitMiddleware(gate: credentialAttempts))
        credentials.post("/sync/enrol") { request, context in try await enrol(request, context: context) }
        credentials.post("/sync/token") { request, context in try await refresh(request, context: context) }
    }

    /// `POST /sync/enrol`: no bearer token; the one-time code is the credential (protocol/security.md §2).
    private func enrol(_ request: Request, context: Context) async throws -> Response {
        try Self.checkProtocol(request)
        var request = request
        let body = try await request.collectBody(upTo: 16 * 1024)
        let enrol = try RequestDecoding.decode(EnrolRequest.self, from: body)
        return try JSONResponse.make(try await service.enrol(enrol), status: .created, request: request,
                                     headers: Self.protocolHeaders)
    }

    /// `POST /sync/token`: new tokens for a refresh token and a proof of the device key.
    private func refresh(_ request: Request, context: Context) async throws -> Response {
        try Self.checkProtocol(request)
        var request = request
        let body = try await request.collectBody(upTo: 16 * 1024)
        let refresh = try RequestDecoding.decode(TokenRefreshRequest.self, from: body)
        return try JSONResponse.make(try await service.refresh(refresh), request: request, headers: Self.protocolHeaders)
    }

    /// How often an idle event stream carries a comment line, so that proxies and NAT keep it open and a
    /// device that went away is noticed.
    static var keepAliveInterval: Duration { .seconds(15) }

    /// `GET /sync/events`: a server-sent-event stream of pokes (protocol/README.md §7a). The stream opens
    /// with a comment, then sends `event: poke` whenever a change enters the log that touches the device's
    /// scope, and a keep-alive comment when idle.
    private func events(_ request: Request, context: Context) async throws -> Response {
        try Self.checkProtocol(request)
        let device = try await authenticate(request)
        let pokes = try await service.pokes.listen(device)
        let (lines, sink) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingNewest(4))
        let relay = Task {
            for await _ in pokes { sink.yield("event: poke\ndata: {}\n\n") }
            sink.finish()
        }
        let keepAlive = Task {
            while !Task.isCancelled {
                try await Task.sleep(for: Self.keepAliveInterval)
                sink.yield(": keep-alive\n\n")
            }
        }
        let body = ResponseBody { writer in
            defer {
                relay.cancel()
                keepAlive.cancel()
            }
            try await writer.write(ByteBuffer(string: ": bangfu pokes\n\n"))
            // On graceful shutdown the stream ends (the device reconnects to another node), so the server
            // does not wait for devices that keep listening.
            try await withGracefulShutdownHandler {
                for await line in lines { try await writer.write(ByteBuffer(string: line)) }
            } onGracefulShutdown: {
                sink.finish()
            }
            try await writer.finish(nil)
        }
        var headers = Self.protocolHeaders
        headers[.contentType] = "text/event-stream; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: body)
    }

    private func push(_ request: Request, context: Context) async throws -> Response {
        let protocolVersion = try Self.checkProtocol(request)
        let device = try await authenticate(request)
        var request = request
        let body = try await request.collectBody(upTo: maxBodyBytes)
        let envelope = try PushEnvelope.parse(body.readableBytesView)
        let response = try await service.push(envelope, from: device, protocolVersion: protocolVersion)
        return try JSONResponse.make(response, request: request, headers: Self.protocolHeaders)
    }

    private func pull(_ request: Request, context: Context) async throws -> Response {
        let protocolVersion = try Self.checkProtocol(request)
        let device = try await authenticate(request)
        let query = request.uri.queryParameters
        var maxBytes: Int?
        if let raw = query["maxBytes"] {
            guard let value = Int(String(raw)) else {
                throw APIError(.badRequest, .invalidRequest, "maxBytes 必须是整数 (maxBytes must be an integer)")
            }
            maxBytes = value
        }
        let response = try await service.pull(
            cursor: query["cursor"].map { String($0) }, maxBytes: maxBytes,
            clientVersion: request.headers[HTTPField.Name("Bangfu-Client-Version")!], from: device,
            protocolVersion: protocolVersion)
        return try JSONResponse.make(response, request: request, headers: Self.protocolHeaders)
    }

    private func integrity(_ request: Request, context: Context) async throws -> Response {
        let protocolVersion = try Self.checkProtocol(request)
        let device = try await authenticate(request)
        var request = request
        let body = try await request.collectBody(upTo: maxBodyBytes)
        let check: IntegrityRequest
        do {
            check = try RequestDecoding.decode(IntegrityRequest.self, from: body)
        } catch {
            throw APIError(.badRequest, .malformedJSON, "完整性校验格式错误 (body must be {households, other})")
        }
        let response = try await service.checkIntegrity(check, from: device, protocolVersion: protocolVersion)
        return try JSONResponse.make(response, request: request, headers: Self.protocolHeaders)
    }

    func authenticate(_ request: Request) async throws -> DeviceIdentity {
        let authorization = request.headers[.authorization]
        if let adminToken, let token = BearerCredential.parse(authorization),
            DeviceToken.constantTimeEquals(token, adminToken)
        {
            throw APIError(.forbidden, .forbidden, "管理令牌不能用于同步接口 (admin tokens cannot use the sync API)")
        }
        return try await service.authenticate(authorization: authorization)
    }

    static var protocolHeaders: HTTPFields {
        [HTTPField.Name(ProtocolVersion.supportedHeaderName)!: supportedRange]
    }

    static var supportedRange: String {
        "\(ProtocolVersion.supported.lowerBound)-\(ProtocolVersion.supported.upperBound)"
    }

    /// DESIGN §3.1: every sync request names its protocol version; others get 426. Returns the version.
    @discardableResult
    static func checkProtocol(_ request: Request) throws -> Int {
        let raw = request.headers[HTTPField.Name(ProtocolVersion.headerName)!]
        guard let raw, let version = Int(raw.trimmingCharacters(in: .whitespaces)),
            ProtocolVersion.supported.contains(version)
        else {
            throw APIError(
                .upgradeRequired, .protocolUnsupported,
                "协议版本不受支持，请升级应用 (send \(ProtocolVersion.headerName): \(supportedRange))",
                headers: protocolHeaders)
        }
        return version
    }
}
