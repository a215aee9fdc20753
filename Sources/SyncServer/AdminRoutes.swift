import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOFoundationCompat
import FieldDomain
import SyncEngine
import SyncModel
import SyncService
import SyncStore

/// `/admin/v1/*`: enrolment and sync-state inspection, behind the admin bearer token.
struct AdminRoutes<Context: RequestContext> {
    let service: SyncService
    let adminToken: String?

    struct EnrollRequest: Decodable {
        var helperId: String?
        /// Enrol a phone for an admin account instead (it pulls the account's region).
        var adminId: String?
        var label: String?
        var expiresInDays: Int?
    }

    struct EnrolmentCodeRequest: Decodable {
        var helperId: String?
        var adminId: String?
        var label: String?
        var expiresInHours: Int?
    }

    struct AdminRequest: Decodable {
        var name: String
        var role: String
        var region: String
    }

    struct AssignRequest: Decodable {
        var householdId: String
        var helperId: String
        var replace: String?
    }

    func register(on router: Router<Context>) {
        let admin = router.group("/admin/v1")
        admin.post("/devices") { request, context in
            let caller = try await principal(request)
            var request = request
            let body = try await request.collectBody(upTo: 64 * 1024)
            let enroll = try RequestDecoding.decode(EnrollRequest.self, from: body)
            try AdminViews.checkLabel(enroll.label)
            let enrollment: Enrollment
            switch (enroll.helperId, enroll.adminId) {
            case (let helperId?, nil):
                try await service.requireManages(helper: helperId, by: caller)
                enrollment = try await service.enroll(helperId: helperId, label: enroll.label,
                                                      expiresInDays: enroll.expiresInDays, by: caller.id)
            case (nil, let adminId?):
                enrollment = try await service.enrollAdminDevice(adminId: adminId, label: enroll.label,
                                                                 expiresInDays: enroll.expiresInDays, by: caller)
            default:
                throw APIError(.badRequest, .malformedJSON, "须且只能给出 helperId 或 adminId 之一 (give helperId or adminId)")
            }
            return try JSONResponse.make(AdminViews.EnrollResponse(enrollment), status: .created, request: request)
        }
        admin.post("/enrolment-codes") { request, context in
            let caller = try await principal(request)
            var request = request
            let body = try await request.collectBody(upTo: 16 * 1024)
            let ask = try RequestDecoding.decode(EnrolmentCodeRequest.self, from: body)
            let issued = try await service.issueEnrolmentCode(helperId: ask.helperId, adminId: ask.adminId, label: ask.label,
                                                              expiresInHours: ask.expiresInHours, by: caller)
            return try JSONResponse.make(AdminViews.EnrolmentCodeView(issued), status: .created, request: request)
        }
        admin.post("/devices/:id/revoke") { request, context in
            let caller = try await principal(request)
            let device = try await service.revokeDevice(id: try context.parameters.require("id"), by: caller)
            return try JSONResponse.make(AdminViews.RevokedDevice(device), request: request)
        }
        admin.get("/visits/:id/signature") { request, context in
            let caller = try await principal(request)
            let check = try await service.verifyVisit(id: try context.parameters.require("id"), by: caller)
            return try JSONResponse.make(check, request: request)
        }
        admin.get("/helpers") { request, context in
            let caller = try await principal(request)
            let query = request.uri.queryParameters
            let page = try await service.helpers(limit: try RequestDecoding.int(query["limit"], "limit", default: 100, in: 1...1000),
                                                 offset: try RequestDecoding.int(query["offset"], "offset", default: 0, in: 0...Int.max),
                                                 by: caller)
            return try JSONResponse.make(AdminViews.HelpersPage(helpers: page.helpers, total: page.total), request: request)
        }
        admin.get("/helpers/:id") { request, context in
            let caller = try await principal(request)
            let detail = try await service.helperDetail(id: try context.parameters.require("id"), by: caller)
            return try JSONResponse.make(detail, request: request)
        }
        admin.get("/devices") { request, context in
            let caller = try await principal(request)
            let states = try await service.deviceStates(by: caller)
            return try JSONResponse.make(AdminViews.DevicesPage(head: states.head, devices: states.devices.map(AdminViews.DeviceStatus.init)),
                                         request: request)
        }
        admin.get("/rejections") { request, context in
            let caller = try await principal(request)
            let query = request.uri.queryParameters
            let rejections = try await service.rejections(deviceId: query["deviceId"].map { String($0) },
                                                          limit: try RequestDecoding.int(query["limit"], "limit", default: 100, in: 1...1000),
                                                          by: caller)
            return try JSONResponse.make(AdminViews.RejectionsPage(rejections: rejections.map(AdminViews.Rejection.init)),
                                         request: request)
        }
        admin.post("/rejections/:id/resolve") { request, context in
            let caller = try await principal(request)
            guard let id = Int64(try context.parameters.require("id")), id >= 1 else {
                throw APIError(.badRequest, .invalidRequest, "id 应为正整数 (rejection id must be a positive integer)")
            }
            let resolved = try await service.resolveRejection(id: id, by: caller)
            return try JSONResponse.make(AdminViews.Rejection(resolved), request: request)
        }
        admin.post("/admins") { request, context in
            let caller = try await principal(request)
            var request = request
            let body = try await request.collectBody(upTo: 16 * 1024)
            let add = try RequestDecoding.decode(AdminRequest.self, from: body)
            guard let role = AdminRole(rawValue: add.role) else {
                throw APIError(.badRequest, .invalidRequest, "role 应为 village、town 或 county (unknown role)")
            }
            let created = try await service.createAdmin(name: add.name, role: role, region: add.region, by: caller)
            return try JSONResponse.make(AdminViews.AdminView(created.account, token: created.token), status: .created,
                                         request: request)
        }
        admin.get("/admins") { request, context in
            let caller = try await principal(request)
            let admins = try await service.admins(by: caller)
            return try JSONResponse.make(AdminViews.AdminsPage(admins: admins.map { AdminViews.AdminView($0) }), request: request)
        }
        admin.post("/admins/:id/disable") { request, context in
            let caller = try await principal(request)
            let account = try await service.disableAdmin(id: try context.parameters.require("id"), by: caller)
            return try JSONResponse.make(AdminViews.AdminView(account), request: request)
        }
        admin.post("/assignments") { request, context in
            let caller = try await principal(request)
            var request = request
            let body = try await request.collectBody(upTo: 16 * 1024)
            let assign = try RequestDecoding.decode(AssignRequest.self, from: body)
            let result = try await service.assign(household: assign.householdId, helper: assign.helperId,
                                                  replacing: assign.replace, by: caller)
            return try JSONResponse.make(AdminViews.AssignmentView(result), status: .created, request: request)
        }
        let routes = self
        ConflictRoutes<Context>(service: service, principal: { request in try await routes.principal(request) })
            .register(on: router)
    }

    /// The authenticated admin principal of a request (the configured operator token or an account token).
    func principal(_ request: Request) async throws -> Principal {
        try await service.authenticateAdmin(authorization: request.headers[.authorization], operatorToken: adminToken)
    }
}
