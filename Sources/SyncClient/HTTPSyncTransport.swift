import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import NIOSSL
import SyncModel

/// A ``SyncTransport`` over HTTPS with async-http-client: `POST {base}/sync/push` and
/// `GET {base}/sync/pull?cursor=…&maxBytes=…`, each with `Authorization: Bearer <token>` and
/// `Bangfu-Protocol: 1`.
///
/// Either it owns its `HTTPClient` (TLS 1.2 minimum, trusting only the given CA when one is named,
/// gzip-decompressing answers) and ``shutdown()`` closes it, or it borrows a client that many transports
/// share, as the simulator does with hundreds of virtual devices: build that one with
/// ``makeHTTPClient(caCertificatePath:connectTimeout:)`` and shut it down yourself.
public final class HTTPSyncTransport: SyncTransport {
    private let baseURL: String
    private let credential: AccessTokenSource
    private let client: HTTPClient
    private let ownsClient: Bool
    /// Set on each request only for a borrowed client, whose own configuration may trust other roots.
    private let requestTLS: TLSConfiguration?
    private let acceptGzip: Bool
    private let timeout: TimeAmount
    private let maxResponseBytes: Int
    private let protocolVersion: Int
    private let logger: Logger

    /// Makes a transport.
    /// - Parameters:
    ///   - baseURL: e.g. `https://sync.example.cn:8443` (a trailing `/` is ignored).
    ///   - token: the device's bearer token.
    ///   - caCertificatePath: a PEM file; when given, only that CA is trusted.
    ///   - httpClient: a client to borrow; `nil` makes (and owns) one. A borrowed client should come from
    ///     ``makeHTTPClient(caCertificatePath:connectTimeout:)`` so that gzip answers are decompressed.
    ///   - acceptGzip: whether to ask for gzip; defaults to `true` for an owned client and for a borrowed one.
    ///   - timeout: the deadline of each request.
    ///   - maxResponseBytes: the largest (decompressed) answer read.
    ///   - protocolVersion: the protocol spoken (`Bangfu-Protocol`); the current one unless a test stands in
    ///     for an app built before it.
    public convenience init(baseURL: String, token: String, caCertificatePath: String? = nil, httpClient: HTTPClient? = nil,
                            acceptGzip: Bool = true, timeout: Duration = .seconds(30), maxResponseBytes: Int = 64 << 20,
                            protocolVersion: Int = ProtocolVersion.current,
                            logger: Logger = Logger(label: "bangfu.sync.http")) throws {
        try self.init(baseURL: baseURL, credential: .token(token), caCertificatePath: caCertificatePath,
                      httpClient: httpClient, acceptGzip: acceptGzip, timeout: timeout,
                      maxResponseBytes: maxResponseBytes, protocolVersion: protocolVersion, logger: logger)
    }

    /// Makes a transport for an enrolled phone: each request carries the session's current access token,
    /// which ``SyncClient`` refreshes when the server says it expired. Before enrolment, pass `nil` and
    /// call only ``enrol(_:)``.
    public convenience init(baseURL: String, session: DeviceSession?, caCertificatePath: String? = nil,
                            httpClient: HTTPClient? = nil, timeout: Duration = .seconds(30),
                            protocolVersion: Int = ProtocolVersion.current,
                            logger: Logger = Logger(label: "bangfu.sync.http")) throws {
        try self.init(baseURL: baseURL, credential: session.map(AccessTokenSource.session) ?? .token(""),
                      caCertificatePath: caCertificatePath, httpClient: httpClient, acceptGzip: true, timeout: timeout,
                      maxResponseBytes: 64 << 20, protocolVersion: protocolVersion, logger: logger)
    }

    private init(baseURL: String, credential: AccessTokenSource, caCertificatePath: String?, httpClient: HTTPClient?,
                 acceptGzip: Bool, timeout: Duration, maxResponseBytes: Int, protocolVersion: Int, logger: Logger) throws {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.credential = credential
        self.acceptGzip = acceptGzip
        self.timeout = .nanoseconds(Self.nanoseconds(timeout))
        self.maxResponseBytes = maxResponseBytes
        self.protocolVersion = protocolVersion
        self.logger = logger
        if let httpClient {
            client = httpClient
            ownsClient = false
            requestTLS = try caCertificatePath.map { try Self.tlsConfiguration(caCertificatePath: $0) }
        } else {
            client = try Self.makeHTTPClient(caCertificatePath: caCertificatePath)
            ownsClient = true
            requestTLS = nil
        }
    }

    /// Makes an `HTTPClient` fit for sync: TLS 1.2 minimum, only the given CA trusted when one is named, and
    /// gzip answers decompressed (up to 50× the compressed size). Whoever makes it shuts it down.
    ///
    /// `maxConnections` bounds the HTTP/1 connections kept to the server: a phone needs one or two; a
    /// simulator speaking for many devices needs one per device, or its requests queue behind each other.
    public static func makeHTTPClient(caCertificatePath: String? = nil, connectTimeout: Duration = .seconds(10),
                                      maxConnections: Int = 8) throws -> HTTPClient
    {
        var configuration = HTTPClient.Configuration(
            tlsConfiguration: try tlsConfiguration(caCertificatePath: caCertificatePath),
            timeout: .init(connect: .nanoseconds(nanoseconds(connectTimeout))),
            decompression: .enabled(limit: .ratio(50)))
        configuration.connectionPool = .init(idleTimeout: .seconds(60),
                                             concurrentHTTP1ConnectionsPerHostSoftLimit: max(1, maxConnections))
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// Closes the `HTTPClient` if this transport made it; a borrowed client is left to its owner.
    public func shutdown() async throws {
        guard ownsClient else { return }
        try await client.shutdown()
    }

    public func push(_ request: PushRequest) async throws -> PushResponse {
        var http = await makeRequest(url: "\(baseURL)/sync/push")
        http.method = .POST
        http.headers.add(name: "Content-Type", value: "application/json")
        http.body = .bytes(ByteBuffer(bytes: JSONWriter.bytes(request.jsonValue)))
        return try await execute(http, expecting: PushResponse.self)
    }

    public func pull(cursor: String, maxBytes: Int?) async throws -> PullResponse {
        var http = await makeRequest(url: Self.pullURL(base: baseURL, cursor: cursor, maxBytes: maxBytes))
        http.method = .GET
        return try await execute(http, expecting: PullResponse.self)
    }

    public func checkIntegrity(_ request: IntegrityRequest) async throws -> IntegrityResponse {
        try await post("/sync/integrity", request)
    }

    /// `POST /sync/enrol`, without a bearer token: the code is the credential.
    public func enrol(_ request: EnrolRequest) async throws -> DeviceTokens {
        try await post("/sync/enrol", request, authorized: false)
    }

    /// `POST /sync/token`, without a bearer token: the refresh token and the proof are in the body.
    public func refreshTokens(_ request: TokenRefreshRequest) async throws -> DeviceTokens {
        try await post("/sync/token", request, authorized: false)
    }

    public func issueCard(_ request: CardIssueRequest) async throws -> CardMessage {
        try await post("/sync/cards", request)
    }

    public func cardTrust() async throws -> CardTrustMessage {
        var http = await makeRequest(url: baseURL + "/sync/cards/trust")
        http.method = .GET
        return try await execute(http, expecting: CardTrustMessage.self)
    }

    public func verifyCard(_ request: CardVerifyRequest) async throws -> CardVerifyResponse {
        try await post("/sync/cards/verify", request)
    }

    /// A JSON `POST` to `path`, its answer decoded.
    private func post<Body: Encodable, Answer: Decodable>(_ path: String, _ body: Body, authorized: Bool = true)
        async throws -> Answer
    {
        var http = await makeRequest(url: baseURL + path, authorized: authorized)
        http.method = .POST
        http.headers.add(name: "Content-Type", value: "application/json")
        http.body = .bytes(ByteBuffer(data: try SyncJSON.encoder().encode(body)))
        return try await execute(http, expecting: Answer.self)
    }

    /// `GET /sync/events` (protocol/README.md §7a): one element per `poke` event, until the stream breaks
    /// (then it throws `network`). No deadline: the server's keep-alive comments hold the connection open.
    public func pokes() async throws -> AsyncThrowingStream<Void, any Error> {
        let http = await makeRequest(url: "\(baseURL)/sync/events", accept: "text/event-stream")
        let response: HTTPClientResponse
        do {
            response = try await client.execute(http, deadline: .distantFuture, logger: logger)
        } catch {
            if Task.isCancelled { throw CancellationError() }
            throw SyncTransportError.network(String(describing: error))
        }
        let status = Int(response.status.code)
        guard status == 200 else {
            let buffer = try? await response.body.collect(upTo: 64 * 1024)
            if status == 429 || status == 503 {
                throw SyncTransportError.overloaded(retryAfterSeconds: Self.retryAfterSeconds(response.headers.first(name: "Retry-After")))
            }
            throw SyncTransportError.http(status: status, body: buffer.flatMap { try? SyncJSON.decoder().decode(APIErrorBody.self, from: $0) })
        }
        let body = response.body
        return AsyncThrowingStream { continuation in
            let reader = Task {
                var parser = ServerSentEvents()
                do {
                    for try await buffer in body {
                        for event in try parser.feed(buffer) where event == "poke" { continuation.yield() }
                    }
                    continuation.finish(throwing: SyncTransportError.network("event stream ended"))
                } catch {
                    continuation.finish(throwing: SyncTransportError.network(String(describing: error)))
                }
            }
            continuation.onTermination = { _ in reader.cancel() }
        }
    }

    /// `{base}/sync/pull?cursor=<percent-encoded>[&maxBytes=n]`.
    static func pullURL(base: String, cursor: String, maxBytes: Int?) -> String {
        var url = "\(base)/sync/pull?cursor=\(percentEncoded(cursor))"
        if let maxBytes { url += "&maxBytes=\(maxBytes)" }
        return url
    }

    /// Percent-encodes everything but the RFC 3986 unreserved characters.
    static func percentEncoded(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return out
    }

    /// Reads a `Retry-After` given in seconds (an HTTP-date is ignored: the policy's backoff applies).
    static func retryAfterSeconds(_ value: String?) -> Double? {
        guard let value, let seconds = Double(value.trimmingCharacters(in: .whitespaces)), seconds >= 0 else {
            return nil
        }
        return seconds
    }

    /// A request with the device's token, the protocol header and this transport's TLS; JSON answers may
    /// come gzipped, an event stream never does.
    private func makeRequest(url: String, accept: String = "application/json", authorized: Bool = true) async
        -> HTTPClientRequest
    {
        var request = HTTPClientRequest(url: url)
        if authorized { request.headers.add(name: "Authorization", value: "Bearer \(await credential.current)") }
        request.headers.add(name: ProtocolVersion.headerName, value: String(protocolVersion))
        request.headers.add(name: "Accept", value: accept)
        if acceptGzip && accept == "application/json" { request.headers.add(name: "Accept-Encoding", value: "gzip") }
        if let requestTLS { request.tlsConfiguration = requestTLS }
        return request
    }

    private func execute<Answer: Decodable>(_ request: HTTPClientRequest, expecting: Answer.Type) async throws
        -> Answer
    {
        let status: Int
        let retryAfter: String?
        let buffer: ByteBuffer
        do {
            let response = try await client.execute(request, timeout: timeout, logger: logger)
            status = Int(response.status.code)
            retryAfter = response.headers.first(name: "Retry-After")
            buffer = try await response.body.collect(upTo: maxResponseBytes)
        } catch let error as CancellationError {
            throw error
        } catch {
            if Task.isCancelled { throw CancellationError() }
            logger.debug("sync request failed", metadata: ["sync.error": "\(String(describing: type(of: error)))"])
            throw SyncTransportError.network(String(describing: error))
        }
        switch status {
        case 200..<300:
            do {
                return try SyncJSON.decoder().decode(Answer.self, from: buffer)
            } catch {
                throw SyncTransportError.decoding("\(Answer.self) could not be decoded")
            }
        case 429, 503:
            throw SyncTransportError.overloaded(retryAfterSeconds: Self.retryAfterSeconds(retryAfter))
        case 502, 504:
            // A proxy in front of the nodes lost its upstream: the request may or may not have been applied,
            // which the idempotent protocol makes safe to retry.
            throw SyncTransportError.network("gateway answered \(status)")
        default:
            let body = try? SyncJSON.decoder().decode(APIErrorBody.self, from: buffer)
            throw SyncTransportError.http(status: status, body: body)
        }
    }

    private static func tlsConfiguration(caCertificatePath: String?) throws -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        if let caCertificatePath {
            tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caCertificatePath))
        }
        return tls
    }

    private static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
