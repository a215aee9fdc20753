import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import SyncClient
import SyncModel

/// The simulator against a real server over HTTPS: enrolment and device states through the admin API,
/// sync through `HTTPSyncTransport`, all on one shared `HTTPClient` (hundreds of virtual devices must not
/// each open their own connection pool).
public final class HTTPSimulationServer: SimulationServer {
    let baseURL: String
    let adminToken: String
    let client: HTTPClient

    /// - Parameters:
    ///   - url: the server, e.g. `https://127.0.0.1:8443`.
    ///   - caCertificatePath: the CA to trust (the dev CA from `scripts/make-dev-certs.sh`).
    ///   - adminToken: the server's admin token, for enrolment.
    ///   - maxConnections: connections to keep open (one per simultaneously syncing device).
    public init(url: String, caCertificatePath: String?, adminToken: String, maxConnections: Int = 64) throws {
        var base = url
        while base.hasSuffix("/") { base.removeLast() }
        baseURL = base
        self.adminToken = adminToken
        client = try HTTPSyncTransport.makeHTTPClient(caCertificatePath: caCertificatePath, maxConnections: maxConnections)
    }

    struct HelpersPage: Decodable {
        struct Helper: Decodable { var id: String; var households: Int }
        var helpers: [Helper]
        var total: Int
    }

    struct DevicesPage: Decodable {
        struct Device: Decodable { var deviceId: String; var lastAppliedSeq: Int64 }
        var devices: [Device]
    }

    struct IssuedCode: Decodable { var code: String }

    public func helpers(limit: Int) async throws -> [String] {
        var result: [String] = []
        var offset = 0
        while result.count < limit {
            let page: HelpersPage = try await admin("GET", "/admin/v1/helpers?limit=500&offset=\(offset)")
            if page.helpers.isEmpty { break }
            result += page.helpers.filter { $0.households > 0 }.map(\.id)
            offset += page.helpers.count
        }
        return Array(result.prefix(limit))
    }

    public func enroll(helperId: String) async throws -> DeviceSession {
        let body = try JSONEncoder().encode(["helperId": helperId, "label": "bangfu-sim"])
        let issued: IssuedCode = try await admin("POST", "/admin/v1/enrolment-codes", body: body)
        return try await DeviceSession.enrol(code: issued.code, label: "bangfu-sim",
                                             transport: try HTTPSyncTransport(baseURL: baseURL, session: nil, httpClient: client),
                                             store: MemoryCredentialStore())
    }

    public func transport(session: DeviceSession) throws -> any SyncTransport {
        try HTTPSyncTransport(baseURL: baseURL, session: session, httpClient: client)
    }

    public func lastAppliedSeqs() async throws -> [String: Int64] {
        let page: DevicesPage = try await admin("GET", "/admin/v1/devices")
        return Dictionary(uniqueKeysWithValues: page.devices.map { ($0.deviceId, $0.lastAppliedSeq) })
    }

    struct ConflictsPage: Decodable {
        struct Item: Decodable { var id: String; var kind: String }
        var conflicts: [Item]
    }

    public func openConflicts(limit: Int) async throws -> [(id: String, kind: String)] {
        let page: ConflictsPage = try await admin("GET", "/admin/v1/conflicts?status=open&limit=\(min(limit, 500))")
        return page.conflicts.map { ($0.id, $0.kind) }
    }

    public func resolveConflict(id: String, choice: String, reason: String) async throws -> Int {
        struct Resolved: Decodable { var status: String; var alsoResolved: [String]? }
        let body = try JSONEncoder().encode(["choice": choice, "reason": reason, "resolvedBy": "bangfu-sim"])
        let escaped = id.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? id
        do {
            let resolved: Resolved = try await admin("POST", "/admin/v1/conflicts/\(escaped)/resolve", body: body)
            guard resolved.status == "resolved" else { throw ConformanceFailure("conflict \(id) not resolved") }
            return 1 + (resolved.alsoResolved?.count ?? 0)
        } catch let failure as ConformanceFailure where failure.description.contains(ErrorCode.conflictNotOpen.rawValue) {
            return 0
        }
    }

    public func assign(household: String, helper: String, replacing: String?) async throws {
        struct Assigned: Decodable { var version: Int64 }
        var fields = ["householdId": household, "helperId": helper]
        if let replacing { fields["replace"] = replacing }
        let _: Assigned = try await admin("POST", "/admin/v1/assignments", body: try JSONEncoder().encode(fields))
    }

    public func record(collection: String, id: String) async throws -> [String: JSONValue]? {
        do {
            let record: RecordChange = try await admin("GET", "/admin/v1/records/\(collection)/\(id)")
            return record.fields
        } catch let failure as ConformanceFailure where failure.description.contains("HTTP 404") {
            return nil
        }
    }

    public func cards(household: String) async throws -> [CardMessage] {
        struct Page: Decodable { var cards: [CardMessage] }
        let page: Page = try await admin("GET", "/admin/v1/households/\(household)/cards")
        return page.cards
    }

    public func outdatedCardHouseholds() async throws -> Set<String> {
        struct Page: Decodable {
            struct Entry: Decodable { var householdId: String }
            var households: [Entry]
            var next: String?
        }
        var result = Set<String>()
        var after: String?
        repeat {
            let page: Page = try await admin("GET", "/admin/v1/cards?status=outdated&limit=1000" + (after.map { "&after=\($0)" } ?? ""))
            result.formUnion(page.households.map(\.householdId))
            after = page.next
        } while after != nil
        return result
    }

    public func shutdown() async throws {
        try await client.shutdown()
    }

    private func admin<T: Decodable>(_ method: String, _ path: String, body: Data? = nil) async throws -> T {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = .RAW(value: method)
        request.headers.add(name: "Authorization", value: "Bearer \(adminToken)")
        request.headers.add(name: "Content-Type", value: "application/json")
        if let body { request.body = .bytes(ByteBuffer(data: body)) }
        let response = try await client.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 16 << 20)
        guard (200..<300).contains(Int(response.status.code)) else {
            let error = try? JSONDecoder().decode(APIErrorBody.self, from: bytes)
            throw ConformanceFailure("admin \(method) \(path): HTTP \(response.status.code) \(error?.code.rawValue ?? "")")
        }
        return try JSONDecoder().decode(T.self, from: bytes)
    }
}
