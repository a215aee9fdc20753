import Foundation
import SyncClient
import SyncModel
import SyncService

/// A transport that calls the service in this process, through the same JSON the wire carries: requests
/// are encoded and decoded as the server would, so tests exercise the real parsing and outcomes without
/// sockets.
public struct InProcessTransport: SyncTransport {
    let service: SyncService
    let credential: AccessTokenSource
    let clientVersion: String?
    /// The protocol this transport stands in for (`Bangfu-Protocol`).
    let protocolVersion: Int

    package init(service: SyncService, token: String, clientVersion: String? = "sim/1",
                 protocolVersion: Int = ProtocolVersion.current) {
        self.service = service
        self.credential = .token(token)
        self.clientVersion = clientVersion
        self.protocolVersion = protocolVersion
    }

    /// A transport for an enrolled phone: each call carries the session's current access token. Before
    /// enrolment, pass `nil` and call only `enrol`.
    package init(service: SyncService, session: DeviceSession?, clientVersion: String? = "sim/1",
                 protocolVersion: Int = ProtocolVersion.current) {
        self.service = service
        self.credential = session.map(AccessTokenSource.session) ?? .token("")
        self.clientVersion = clientVersion
        self.protocolVersion = protocolVersion
    }

    var authorization: String {
        get async { "Bearer " + (await credential.current) }
    }

    public func enrol(_ request: EnrolRequest) async throws -> DeviceTokens {
        try await call {
            let body = try JSONDecoder().decode(EnrolRequest.self, from: try Self.encoder.encode(request))
            return try JSONDecoder().decode(DeviceTokens.self, from: try Self.encoder.encode(try await service.enrol(body)))
        }
    }

    public func refreshTokens(_ request: TokenRefreshRequest) async throws -> DeviceTokens {
        try await call {
            let body = try JSONDecoder().decode(TokenRefreshRequest.self, from: try Self.encoder.encode(request))
            return try JSONDecoder().decode(DeviceTokens.self, from: try Self.encoder.encode(try await service.refresh(body)))
        }
    }

    public func push(_ request: PushRequest) async throws -> PushResponse {
        try await call {
            let device = try await service.authenticate(authorization: await authorization)
            let body = try Self.encoder.encode(request)
            let envelope = try PushEnvelope.parse(body)
            let response = try await service.push(envelope, from: device, protocolVersion: protocolVersion)
            return try JSONDecoder().decode(PushResponse.self, from: try Self.encoder.encode(response))
        }
    }

    public func pull(cursor: String, maxBytes: Int?) async throws -> PullResponse {
        try await call {
            let device = try await service.authenticate(authorization: await authorization)
            let response = try await service.pull(cursor: cursor, maxBytes: maxBytes, clientVersion: clientVersion,
                                                  from: device, protocolVersion: protocolVersion)
            return try JSONDecoder().decode(PullResponse.self, from: try Self.encoder.encode(response))
        }
    }

    public func checkIntegrity(_ request: IntegrityRequest) async throws -> IntegrityResponse {
        try await call {
            let device = try await service.authenticate(authorization: await authorization)
            let response = try await service.checkIntegrity(request, from: device, protocolVersion: protocolVersion)
            return try JSONDecoder().decode(IntegrityResponse.self, from: try Self.encoder.encode(response))
        }
    }

    public func issueCard(_ request: CardIssueRequest) async throws -> CardMessage {
        try await call {
            let device = try await service.authenticate(authorization: await authorization)
            let card = try await service.issueCard(household: request.householdId, by: device.principal, deviceId: device.deviceId)
            var message = card.card
            message.status = "current"
            return message
        }
    }

    public func cardTrust() async throws -> CardTrustMessage {
        try await call {
            _ = try await service.authenticate(authorization: await authorization)
            return try await service.cardTrust()
        }
    }

    public func verifyCard(_ request: CardVerifyRequest) async throws -> CardVerifyResponse {
        try await call {
            _ = try await service.authenticate(authorization: await authorization)
            return try await service.verifyCard(payload: request.payload)
        }
    }

    private func call<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as ServiceError {
            throw SyncTransportError.http(status: error.code.httpStatus,
                                          body: APIErrorBody(code: error.code, message: error.message))
        }
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }()
}
