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

/// `/admin/v1/conflicts*` (the review queue) and `/admin/v1/records/*` (one record, admin deletes and a
/// record's history), behind the admin bearer token (protocol/conflicts.md, protocol/audit.md).
struct ConflictRoutes<Context: RequestContext> {
    let service: SyncService
    let principal: @Sendable (Request) async throws -> Principal

    func register(on router: Router<Context>) {
        let admin = router.group("/admin/v1")
        admin.get("/conflicts") { request, context in
            let caller = try await principal(request)
            let query = request.uri.queryParameters
            var filter = ConflictQuery()
            switch query["status"].map(String.init) ?? "open" {
            case "all": filter.status = nil
            case let raw:
                guard let status = Conflict.Status(rawValue: raw) else {
                    throw APIError(.badRequest, .invalidRequest, "status 应为 open、resolved、logged 或 all (unknown status)")
                }
                filter.status = status
            }
            if let raw = query["kind"].map(String.init) {
                guard let kind = Conflict.Kind(rawValue: raw) else {
                    throw APIError(.badRequest, .invalidRequest, "kind 应为 hard、soft 或 deleted (unknown kind)")
                }
                filter.kind = kind
            }
            filter.regionPrefix = query["region"].map(String.init)
            // A region admin lists its own region only: no filter means its region, a filter outside it is
            // refused.
            if let mine = SyncService.regionFilter(caller) {
                if let asked = filter.regionPrefix, !asked.hasPrefix(mine) {
                    throw APIError(.forbidden, .forbidden, "不在您的管辖范围内 (region outside yours)")
                }
                filter.regionPrefix = filter.regionPrefix ?? mine
            }
            filter.recordId = query["recordId"].map(String.init)
            if let raw = query["limit"] {
                guard let limit = Int(String(raw)), (1...500).contains(limit) else {
                    throw APIError(.badRequest, .invalidRequest, "limit 应为1到500的整数 (limit must be 1–500)")
                }
                filter.limit = limit
            }
            let conflicts = try await service.conflicts(filter)
            return try JSONResponse.make(AdminViews.ConflictsPage(conflicts: conflicts.map { AdminViews.ConflictView($0) }),
                                         request: request)
        }
        admin.get("/conflicts/:id") { request, context in
            let caller = try await principal(request)
            let id = try context.parameters.require("id")
            let detail = try await service.conflictDetail(id: id, by: caller)
            return try JSONResponse.make(AdminViews.ConflictView(detail.conflict, current: detail.current, showCurrent: true),
                                         request: request)
        }
        admin.post("/conflicts/:id/resolve") { request, context in
            let caller = try await principal(request)
            let id = try context.parameters.require("id")
            var request = request
            let body = try await request.collectBody(upTo: 64 * 1024)
            var resolution = try Self.parseResolution(JSONParser.parse(Data(buffer: body)))
            // Who resolved it is the authenticated principal, never what the body says.
            resolution.resolvedBy = caller.id
            let conflict = try await service.conflictDetail(id: id).conflict
            try service.requireRegion(caller, covers: conflict.villageCode)
            let resolved = try await service.resolveConflict(id: id, request: resolution)
            // The answer shows the values as the caller may see them, like GET /conflicts/{id}.
            var view = AdminViews.ConflictView(try await service.disclosed(resolved[0], to: caller).conflict)
            if resolved.count > 1 { view.alsoResolved = resolved.dropFirst().map(\.id) }
            return try JSONResponse.make(view, request: request)
        }
        admin.get("/records/:collection/:id") { request, context in
            let caller = try await principal(request)
            let record = try await service.adminRecord(try Self.recordKey(context), by: caller)
            return try JSONResponse.make(record.change(), request: request)
        }
        admin.get("/records/:collection/:id/history") { request, context in
            let caller = try await principal(request)
            let key = try Self.recordKey(context)
            let history = try await service.recordHistory(key, by: caller)
            return try JSONResponse.make(
                AdminViews.RecordHistory(collection: key.collection.rawValue, recordId: key.id,
                                         entries: try history.map(AdminViews.HistoryEntry.init)),
                request: request)
        }
        admin.delete("/records/:collection/:id") { request, context in
            let caller = try await principal(request)
            let key = try Self.recordKey(context)
            let (collection, id) = (key.collection, key.id)
            let village = try await service.store.record(RecordKey(collection, id))?.scope.villageCode
            try service.requireRegion(caller, covers: village ?? Scope.village(ofHousehold: String(id.prefix(16))))
            let tombstone = try await service.deleteRecord(RecordKey(collection, id), by: caller.id)
            return try JSONResponse.make(
                AdminViews.DeletedRecord(collection: collection.rawValue, recordId: id, version: tombstone.version,
                                         deleted: true),
                request: request)
        }
    }

    /// The record a `/records/:collection/:id` path names; an unknown collection is `unknown_collection`.
    static func recordKey(_ context: some RequestContext) throws -> RecordKey {
        let rawCollection = try context.parameters.require("collection")
        guard let collection = CollectionName(rawValue: rawCollection) else {
            throw APIError(.badRequest, .unknownCollection, "未知的数据集 (unknown collection)")
        }
        return RecordKey(collection, try context.parameters.require("id"))
    }

    /// Reads `{"choice", "value"?, "reason", "resolvedBy"?}` with a stable code for each mistake.
    static func parseResolution(_ body: JSONValue) throws -> ConflictResolver.Request {
        guard case .object(let object) = body else {
            throw APIError(.badRequest, .invalidResolution, "请求体应为对象 (body must be an object)")
        }
        let known: Set<String> = ["choice", "value", "reason", "resolvedBy"]
        if let unknown = object.keys.sorted().first(where: { !known.contains($0) }) {
            throw APIError(.badRequest, .invalidResolution, "未知字段 \(unknown) (unknown member)")
        }
        guard let raw = object["choice"]?.stringValue, let choice = Conflict.Side(rawValue: raw) else {
            throw APIError(.badRequest, .invalidResolution,
                           "choice 应为 existing、incoming 或 value (choice must be existing, incoming or value)")
        }
        guard let reason = object["reason"]?.stringValue else {
            throw APIError(.badRequest, .invalidResolution, "请填写处理理由 reason (a reason is required)")
        }
        var resolvedBy: String?
        if let by = object["resolvedBy"], !by.isNull {
            guard let text = by.stringValue else {
                throw APIError(.badRequest, .invalidResolution, "resolvedBy 应为字符串 (resolvedBy must be a string)")
            }
            resolvedBy = text
        }
        return ConflictResolver.Request(choice: choice, value: object["value"], reason: reason, resolvedBy: resolvedBy)
    }
}
