import Hummingbird
import HummingbirdTesting
import SyncModel
import SyncStore
@testable import SyncServer
import Testing

/// A store that cannot reach its database (a failover, a lost connection) makes the edge answer 503 with
/// `Retry-After`, which clients retry, not 500, which they do not; other store failures stay 500.
@Suite struct StoreUnavailableTests {
    @Test func unavailableStoreAnswers503AndOtherStoreFailures500() async throws {
        let router = Router()
        router.add(middleware: ErrorMiddleware())
        router.get("/unavailable") { _, _ -> String in throw SyncStoreError(.unavailable, "PostgreSQL unavailable") }
        router.get("/database") { _, _ -> String in throw SyncStoreError(.database, "PostgreSQL server, SQLSTATE 42P01") }
        try await Application(router: router).test(.router) { client in
            try await client.execute(uri: "/unavailable", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(response.errorCode == .overloaded)
                #expect(response.headers[.retryAfter] == "1")
            }
            try await client.execute(uri: "/database", method: .get) { response in
                #expect(response.status == .internalServerError)
                #expect(response.errorCode == .internalError)
            }
        }
    }
}
