import CardRendering
import FieldDomain
import Foundation
import HTTPTypes
import Hummingbird
import MingbaiCard
import NIOCore
import QRCode
import SyncModel
import SyncService
import SyncStore

/// The 明白卡 routes (protocol/cards.md §5). Devices: `POST /sync/cards` (a helper asks for a card of one of
/// its households), `GET /sync/cards/trust` (keys and revocation lists for offline checks), `POST
/// /sync/cards/verify` (the online check) and `GET /sync/cards/{id}/print`. Admins: issue, read, print,
/// revoke, a household's cards, and the lists of households with outdated cards or none.
struct CardRoutes<Context: RequestContext> {
    let service: SyncService
    let device: @Sendable (Request) async throws -> DeviceIdentity
    let admin: @Sendable (Request) async throws -> Principal
    /// The template is parsed once; a template that does not parse fails every print with its error.
    static var renderer: Result<CardRenderer, any Error> { renderers }

    func register(on router: Router<Context>) {
        router.post("/sync/cards") { request, _ in
            _ = try SyncRoutes<Context>.checkProtocol(request)
            let caller = try await device(request)
            let ask = try await Self.issueRequest(request)
            let issued = try await service.issueCard(household: ask.householdId, by: caller.principal, deviceId: caller.deviceId)
            return try JSONResponse.make(Self.message(issued.card, status: "current"), status: .created, request: request)
        }
        router.get("/sync/cards/trust") { request, _ in
            _ = try SyncRoutes<Context>.checkProtocol(request)
            _ = try await device(request)
            return try JSONResponse.make(try await service.cardTrust(), request: request)
        }
        router.post("/sync/cards/verify") { request, _ in
            _ = try SyncRoutes<Context>.checkProtocol(request)
            _ = try await device(request)
            var request = request
            let body = try await request.collectBody(upTo: 16 * 1024)
            let ask = try RequestDecoding.decode(CardVerifyRequest.self, from: body)
            return try JSONResponse.make(try await service.verifyCard(payload: ask.payload), request: request)
        }
        router.get("/sync/cards/:id/print") { request, context in
            _ = try SyncRoutes<Context>.checkProtocol(request)
            let caller = try await device(request)
            return try await print(request, id: try context.parameters.require("id"), by: caller.principal)
        }

        let adminGroup = router.group("/admin/v1")
        adminGroup.post("/cards") { request, _ in
            let caller = try await admin(request)
            let ask = try await Self.issueRequest(request)
            let issued = try await service.issueCard(household: ask.householdId, by: caller)
            return try JSONResponse.make(Self.message(issued.card, status: "current"), status: .created, request: request)
        }
        adminGroup.get("/cards") { request, _ in
            let caller = try await admin(request)
            let query = request.uri.queryParameters
            let status = try Self.status(query["status"])
            let limit = try RequestDecoding.int(query["limit"], "limit", default: 100, in: 1...1000)
            let after = try Self.after(query["after"])
            let rows = try await service.householdCards(status: status, region: query["region"].map(String.init), after: after,
                                                        limit: limit, by: caller)
            let entries = rows.map { row in
                CardViews.HouseholdPage.Entry(householdId: row.householdId, villageCode: row.villageCode, status: row.status.rawValue,
                                    revision: row.revision, contentHash: row.contentHash,
                                    newestCard: row.newest.map { Self.message($0, status: row.status == .current ? "current" : "outdated") })
            }
            let next = rows.count == limit ? rows.last.map { "\($0.villageCode).\($0.householdId)" } : nil
            return try JSONResponse.make(CardViews.HouseholdPage(households: entries, next: next), request: request)
        }
        adminGroup.get("/card-counts") { request, _ in
            let caller = try await admin(request)
            let counts = try await service.cardCounts(region: request.uri.queryParameters["region"].map(String.init), by: caller)
            return try JSONResponse.make(counts, request: request)
        }
        adminGroup.get("/cards/:id") { request, context in
            let caller = try await admin(request)
            let card = try await service.issuedCard(id: try context.parameters.require("id"), by: caller)
            return try JSONResponse.make(try await message(card), request: request)
        }
        adminGroup.get("/cards/:id/print") { request, context in
            let caller = try await admin(request)
            return try await print(request, id: try context.parameters.require("id"), by: caller)
        }
        adminGroup.post("/cards/:id/revoke") { request, context in
            let caller = try await admin(request)
            let card = try await service.revokeCard(id: try context.parameters.require("id"), by: caller)
            return try JSONResponse.make(Self.message(card, status: "revoked"), request: request)
        }
        adminGroup.get("/households/:id/cards") { request, context in
            let caller = try await admin(request)
            let cards = try await service.cards(ofHousehold: try context.parameters.require("id"), by: caller)
            var messages: [CardMessage] = []
            for card in cards { messages.append(try await message(card)) }
            return try JSONResponse.make(CardViews.CardsPage(cards: messages), request: request)
        }
    }

    /// `…/print?format=html|svg|png&paper=a4|a5&level=q|h`: the card page, or the QR alone as PNG.
    private func print(_ request: Request, id: String, by caller: Principal) async throws -> Response {
        let query = request.uri.queryParameters
        let format = query["format"].map { $0.lowercased() } ?? "html"
        guard ["html", "svg", "png"].contains(format) else {
            throw APIError(.badRequest, .invalidRequest, "format 应为 html、svg 或 png (format must be html, svg or png)")
        }
        guard let paper = CardRenderer.Paper(rawValue: (query["paper"].map(String.init) ?? "a4").uppercased()) else {
            throw APIError(.badRequest, .invalidRequest, "paper 应为 a4 或 a5 (paper must be a4 or a5)")
        }
        let level: QRMatrix.Level
        switch query["level"].map(String.init) ?? "q" {
        case "q", "Q": level = .q
        case "h", "H": level = .h
        default: throw APIError(.badRequest, .invalidRequest, "level 应为 q 或 h (level must be q or h)")
        }
        let card = try await service.printableCard(id: id, by: caller)
        let body: [UInt8], type: String
        switch format {
        case "png":
            guard let matrix = QRMatrix(card.card.payload, level: level) else {
                throw APIError(.internalServerError, .internalError, "QR encoding failed")
            }
            body = matrix.png()
            type = "image/png"
        case "svg":
            body = Array(try Self.renderer.get().svg(content: card.content, payload: card.card.payload, claims: card.claims, paper: paper,
                                          level: level).utf8)
            type = "image/svg+xml; charset=utf-8"
        default:
            body = Array(try Self.renderer.get().html(content: card.content, payload: card.card.payload, claims: card.claims, paper: paper,
                                           level: level).utf8)
            type = "text/html; charset=utf-8"
        }
        // The page prints names and helpers' phones: no caching outside the admin's browser.
        return Response(status: .ok, headers: [.contentType: type, .cacheControl: "private, no-store"],
                        body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// A stored card with its status: current, outdated (the records changed) or superseded (a newer card).
    private func message(_ card: IssuedCard) async throws -> CardMessage {
        let state = try await service.store.householdCard(card.householdId)
        let status: String
        if card.revokedAt != nil {
            status = "revoked"
        } else if let state, state.newest?.cardId != card.cardId {
            status = "superseded"
        } else {
            status = state?.status == .current ? "current" : "outdated"
        }
        return Self.message(card, status: status)
    }

    static func message(_ card: IssuedCard, status: String?) -> CardMessage {
        var message = card
        message.status = status
        return message
    }

    static func issueRequest(_ request: Request) async throws -> CardIssueRequest {
        var request = request
        let body = try await request.collectBody(upTo: 4 * 1024)
        return try RequestDecoding.decode(CardIssueRequest.self, from: body)
    }

    static func status(_ raw: Substring?) throws -> CardStatus {
        guard let status = CardStatus(rawValue: raw.map(String.init) ?? "outdated") else {
            throw APIError(.badRequest, .invalidRequest, "status 应为 outdated、missing 或 current (unknown status)")
        }
        return status
    }

    /// `after` is `<village>.<household>` as the previous page's `next` gave it.
    static func after(_ raw: Substring?) throws -> (village: String, household: String)? {
        guard let raw else { return nil }
        let parts = raw.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ (1...16).contains($0.utf8.count) && $0.utf8.allSatisfy { (0x30...0x39).contains($0) } }) else {
            throw APIError(.badRequest, .invalidRequest, "after 应为上一页的 next (after must be the previous page's next)")
        }
        return (String(parts[0]), String(parts[1]))
    }
}

private let renderers = Result<CardRenderer, any Error> { try CardRenderer() }

/// The admin card listings' bodies (protocol/openapi.yaml).
package enum CardViews {
    /// `GET /admin/v1/cards`: households by card status, a page.
    package struct HouseholdPage: Codable, Sendable {
        package struct Entry: Codable, Sendable {
            package var householdId: String
            package var villageCode: String
            package var status: String
            package var revision: Int64
            package var contentHash: String
            package var newestCard: CardMessage?
        }
        package var households: [Entry]
        /// Pass as `after` for the next page; absent on the last.
        package var next: String?
    }

    /// `GET /admin/v1/households/{id}/cards`.
    package struct CardsPage: Codable, Sendable {
        package var cards: [CardMessage]
    }
}
