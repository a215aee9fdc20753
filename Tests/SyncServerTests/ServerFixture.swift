import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import NIOFoundationCompat
import SyncModel
import SyncServer
import SyncService
import SyncStore
import SyncTesting

/// A service over a seeded in-memory county with a manual clock, and a device enrolled through the real
/// enrolment path, for route tests.
struct ServerFixture {
    let service: SyncService
    let store: StoreFixture
    let clock: ManualClock
    let helperId: String
    let households: [String]
    let enrollment: Enrollment
    var config = ServerConfiguration()

    static let exampleTime: Int64 = 1_795_313_100_000

    static func make(now: Int64 = exampleTime, adminToken: String? = "admin-token-for-tests-0123") async throws -> ServerFixture {
        let store = try await StoreFixture.make(MemorySyncStore(), households: 60)
        let clock = ManualClock(now)
        let random = SeededRandomSource(seed: 99)
        let service = SyncService(store: store.store, now: { clock.now() }, randomBytes: { random.bytes($0) },
                                  auditKey: TestKeys.key, cipher: TestKeys.cipher, cardKeys: TestKeys.cardKeys,
                                  logger: Logger(label: "test"))
        let (helperId, households) = try store.helper(withAtLeast: 2)
        let enrollment = try await service.enroll(helperId: helperId, label: "test phone", expiresInDays: 30)
        var fixture = ServerFixture(service: service, store: store, clock: clock, helperId: helperId,
                                    households: households, enrollment: enrollment)
        fixture.config.adminToken = adminToken
        fixture.config.maxBodyBytes = 64 * 1024
        return fixture
    }

    func application() -> some ApplicationProtocol {
        let clock = clock
        return Application(router: SyncServerApplication.router(service: service, config: config,
                                                                 attemptClock: { .milliseconds(clock.now()) }))
    }

    var deviceHeaders: HTTPFields {
        [.authorization: "Bearer \(enrollment.token)", HTTPField.Name("Bangfu-Protocol")!: String(ProtocolVersion.current),
         .contentType: "application/json"]
    }

    var adminHeaders: HTTPFields {
        [.authorization: "Bearer \(config.adminToken ?? "")", .contentType: "application/json"]
    }

    /// A push body for this device.
    func pushBody(_ mutations: [JSONValue]) throws -> ByteBuffer {
        let body: JSONValue = ["deviceId": .string(enrollment.deviceId), "mutations": .array(mutations)]
        return ByteBuffer(data: try JSONEncoder().encode(body))
    }

    func stamp(_ logical: UInt32 = 0) -> JSONValue {
        .string(HLCTimestamp(physical: clock.now() - 60_000, logical: logical, node: enrollment.deviceId).wireValue)
    }
}

extension TestResponse {
    /// The `code` of an error body, nil when the body is not one.
    var errorCode: ErrorCode? {
        try? JSONDecoder().decode(APIErrorBody.self, from: Data(buffer: body)).code
    }

    /// The body as JSON.
    func json() throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(buffer: body))
    }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONDecoder().decode(type, from: Data(buffer: body))
    }
}
