import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOFoundationCompat
import SyncEngine
import SyncModel
import SyncService
import SyncStore

/// `/admin/v1/*`: enrolment and sync-state inspection, behind the admin bearer token.
struct AdminRoutes<Context: RequestContext> {
    let service: SyncService
    let adminToken: String?

    struct EnrollRequest: Decodable {
        var helperId: String
        var label: String?
        var expiresInDays: Int?
    }

    func register(on router: Router<Context>) {
        let admin = router.group("/admin/v1")
        admin.post("/devices") { request, context in
            try authorize(request)
            var request = request
            let body = try await request.collectBody(upTo: 64 * 1024)
            let enroll = try JSONResponse.decoder.decode(EnrollRequest.self, from: body)
            let enrollment = try await service.enroll(helperId: enroll.helperId, label: enroll.label,
                                                      expiresInDays: enroll.expiresInDays)
            return try JSONResponse.make(AdminViews.EnrollResponse(enrollment), status: .created, request: request)
        }
        admin.get("/helpers") { request, context in
            try authorize(request)
            let query = request.uri.queryParameters
            let page = try await service.helpers(limit: try int(query["limit"], default: 100),
                                                 offset: try int(query["offset"], default: 0))
            return try JSONResponse.make(AdminViews.HelpersPage(helpers: page.helpers, total: page.total), request: request)
        }
        admin.get("/devices") { request, context in
            try authorize(request)
            let states = try await service.deviceStates()
            return try JSONResponse.make(AdminViews.DevicesPage(head: states.head, devices: states.devices.map(AdminViews.DeviceStatus.init)),
                                         request: request)
        }
        admin.get("/rejections") { request, context in
            try authorize(request)
            let query = request.uri.queryParameters
            let rejections = try await service.rejections(deviceId: query["deviceId"].map { String($0) },
                                                          limit: try int(query["limit"], default: 100))
            return try JSONResponse.make(AdminViews.RejectionsPage(rejections: rejections.map(AdminViews.Rejection.init)),
                                         request: request)
        }
        let adminToken = adminToken
        ConflictRoutes<Context>(service: service, authorize: { request in
            try Self.authorize(request, adminToken: adminToken)
        }).register(on: router)
    }

    private func authorize(_ request: Request) throws {
        try Self.authorize(request, adminToken: adminToken)
    }

    static func authorize(_ request: Request, adminToken: String?) throws {
        guard let adminToken else {
            throw APIError(.forbidden, .forbidden, "管理接口未启用 (admin API disabled: no admin token configured)")
        }
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
            throw APIError(.unauthorized, .tokenMissing, "缺少管理令牌 (missing admin bearer token)")
        }
        guard DeviceToken.constantTimeEquals(String(header.dropFirst(7)), adminToken) else {
            throw APIError(.unauthorized, .tokenInvalid, "管理令牌无效 (invalid admin token)")
        }
    }

    private func int(_ raw: Substring?, default value: Int) throws -> Int {
        guard let raw else { return value }
        guard let parsed = Int(String(raw)), parsed >= 0 else {
            throw APIError(.badRequest, .invalidRequest, "分页参数必须是非负整数 (limit/offset must be integers ≥ 0)")
        }
        return parsed
    }
}
