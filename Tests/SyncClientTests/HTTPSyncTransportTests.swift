import Foundation
import Testing
@testable import SyncClient
import SyncModel

@Suite("HTTPSyncTransport request shapes")
struct HTTPSyncTransportTests {
    @Test func pullURLPercentEncodesTheCursor() {
        #expect(HTTPSyncTransport.pullURL(base: "https://x:8443", cursor: "c1.a/b+c=", maxBytes: 65536)
            == "https://x:8443/sync/pull?cursor=c1.a%2Fb%2Bc%3D&maxBytes=65536")
        #expect(HTTPSyncTransport.pullURL(base: "https://x", cursor: "", maxBytes: nil) == "https://x/sync/pull?cursor=")
        #expect(HTTPSyncTransport.percentEncoded("户 1") == "%E6%88%B7%201")
    }

    @Test func pushBodyDoesNotEscapeSlashes() throws {
        let request = PushRequest(deviceId: "dev-1", mutations: [
            Mutation(seq: 1, collection: "visits", recordId: "v1", op: .create, fields: ["notes": "住房/饮水"],
                     stamp: stamp(1, "dev-1")),
        ])
        let text = String(decoding: try SyncJSON.encoder().encode(request), as: UTF8.self)
        #expect(text.contains("住房/饮水"))
        #expect(!text.contains("\\/"))
    }

    @Test func retryAfterReadsSecondsOnly() {
        #expect(HTTPSyncTransport.retryAfterSeconds("5") == 5)
        #expect(HTTPSyncTransport.retryAfterSeconds(" 1.5 ") == 1.5)
        #expect(HTTPSyncTransport.retryAfterSeconds("Wed, 21 Oct 2015 07:28:00 GMT") == nil)
        #expect(HTTPSyncTransport.retryAfterSeconds(nil) == nil)
    }

    @Test func ownedClientShutsDown() async throws {
        let transport = try HTTPSyncTransport(baseURL: "https://127.0.0.1:1/", token: "t")
        try await transport.shutdown()
    }

    @Test func unreachableServerIsARetryableNetworkError() async throws {
        let transport = try HTTPSyncTransport(baseURL: "https://127.0.0.1:1", token: "t", timeout: .seconds(1))
        await #expect(throws: SyncTransportError.self) {
            do {
                _ = try await transport.pull(cursor: "", maxBytes: nil)
            } catch let error as SyncTransportError {
                #expect(error.isRetryable)
                throw error
            }
        }
        try await transport.shutdown()
    }
}
