import Crypto
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import SyncModel
import SyncServer
import SyncTesting
import Testing

/// The device identity examples (protocol/security.md): one phone's story, issued a code, enrolled with
/// the key of `visit-signature-vector.json`, refreshed, recording a signed visit and revoked. The examples
/// agree with each other (the key id is the key's, the proof verifies, the QR carries the code), and sent
/// to the real routes they get answers of the documented shape and codes.
extension ProtocolExamplesTests {
    static let identityExamples = [
        "admin-enrolment-code-request.json", "admin-enrolment-code-response.json", "sync-enrol-request.json",
        "sync-enrol-response.json", "sync-token-request.json", "sync-token-response.json",
        "admin-visit-signature-response.json", "admin-device-revoke-response.json", "error-device-revoked.json",
    ]

    static func string(_ value: JSONValue, _ key: String) -> String { value.objectValue?[key]?.stringValue ?? "" }

    static func body(_ value: JSONValue) throws -> ByteBuffer { ByteBuffer(data: try JSONEncoder().encode(value)) }

    static func replacing(_ value: JSONValue, _ changes: [String: JSONValue]) -> JSONValue {
        .object((value.objectValue ?? [:]).merging(changes) { _, new in new })
    }

    @Test func identityExamplesAgreeWithEachOther() throws {
        let vector = try Self.json("visit-signature-vector.json")
        let issued = try Self.json("admin-enrolment-code-response.json")
        let enrol = try Self.json("sync-enrol-request.json")
        let enrolled = try Self.json("sync-enrol-response.json")
        let refresh = try Self.json("sync-token-request.json")
        let refreshed = try Self.json("sync-token-response.json")
        let check = try Self.json("admin-visit-signature-response.json")
        let revoked = try Self.json("admin-device-revoke-response.json")
        #expect(Self.string(enrol, "code") == Self.string(issued, "code"))
        #expect(Self.string(issued, "qrPayload") == "BFE1:" + Self.string(issued, "code").replacingOccurrences(of: "-", with: ""))
        #expect(Self.string(enrol, "publicKey") == Self.string(vector, "publicKey"))
        let key = try #require(Base64URL.decode(Self.string(enrol, "publicKey")))
        for answer in [enrolled, refreshed, check] {
            #expect(Self.string(answer, "keyId") == DeviceSignature.keyId(publicKey: key))
            #expect(Self.string(answer, "deviceId") == Self.string(vector, "deviceId"))
        }
        #expect(Self.string(revoked, "deviceId") == Self.string(vector, "deviceId"))
        #expect(Self.string(check, "visitId") == Self.string(vector, "recordId"))
        #expect(Self.string(refresh, "refreshToken") == Self.string(enrolled, "refreshToken"))
        let timestamp = try #require(refresh.objectValue?["timestamp"]?.intValue)
        #expect(DeviceSignature.verifyRefresh(refreshToken: Self.string(refresh, "refreshToken"), timestamp: timestamp,
                                              proof: Self.string(refresh, "proof"), publicKey: key))
        // The refresh came after the first access token expired, as a phone's next-day refresh does.
        #expect(timestamp > enrolled.objectValue?["accessExpiresAt"]?.intValue ?? .max)
        for name in Self.identityExamples {
            let value = try Self.json(name)
            for token in ["accessToken", "refreshToken"] where value.objectValue?[token] != nil {
                #expect(Self.string(value, token).split(separator: ".")[1] == Self.string(vector, "deviceId")[...],
                        "\(name): \(token) names another device")
            }
        }
    }

    @Test func identityExamplesGetTheDocumentedAnswersFromTheRoutes() async throws {
        let fixture = try await ServerFixture.make()
        let vector = try Self.json("visit-signature-vector.json")
        // The seed, not the key, crosses into the test client's closure (the key type is not Sendable).
        let seed = try #require(Base64URL.decode(Self.string(vector, "privateKeySeed")))
        let household = fixture.households[0]
        let visitId = Self.string(vector, "recordId")
        let deviceHeaders: HTTPFields = [HTTPField.Name("Bangfu-Protocol")!: "2", .contentType: "application/json"]
        let examples = try Dictionary(uniqueKeysWithValues: Self.identityExamples.map { ($0, try Self.json($0)) })
        let clock = fixture.clock
        try await fixture.application().test(.router) { client in
            let key = try Curve25519.Signing.PrivateKey(rawRepresentation: seed)
            // An admin issues the code.
            let ask = Self.replacing(examples["admin-enrolment-code-request.json"]!, ["helperId": .string(fixture.helperId)])
            let issued = try await client.execute(uri: "/admin/v1/enrolment-codes", method: .post,
                                                  headers: fixture.adminHeaders, body: try Self.body(ask)) { response in
                #expect(response.status == .created)
                return try response.json()
            }
            #expect(Self.missingKeys(actual: issued, documented: examples["admin-enrolment-code-response.json"]!).isEmpty)

            // The phone enrols with the example's key and the code it was given.
            let enrol = Self.replacing(examples["sync-enrol-request.json"]!, ["code": .string(Self.string(issued, "code"))])
            let enrolled = try await client.execute(uri: "/sync/enrol", method: .post, headers: deviceHeaders,
                                                    body: try Self.body(enrol)) { response in
                #expect(response.status == .created)
                return try response.json()
            }
            #expect(Self.missingKeys(actual: enrolled, documented: examples["sync-enrol-response.json"]!).isEmpty)
            #expect(Self.string(enrolled, "keyId") == Self.string(examples["sync-enrol-response.json"]!, "keyId"))
            let deviceId = Self.string(enrolled, "deviceId")

            // The next day it refreshes with a proof of the key.
            clock.advance(by: 86_400_000 + 180_000)
            let refreshToken = Self.string(enrolled, "refreshToken")
            let proof = try key.signature(for: DeviceSignature.refreshMessage(refreshToken: refreshToken, timestamp: clock.now()))
            let refresh = Self.replacing(examples["sync-token-request.json"]!, [
                "refreshToken": .string(refreshToken), "timestamp": .int(clock.now()), "proof": .string(Base64URL.encode(proof)),
            ])
            let refreshed = try await client.execute(uri: "/sync/token", method: .post, headers: deviceHeaders,
                                                     body: try Self.body(refresh)) { response in
                #expect(response.status == .ok)
                return try response.json()
            }
            #expect(Self.missingKeys(actual: refreshed, documented: examples["sync-token-response.json"]!).isEmpty)
            var phone = deviceHeaders
            phone[.authorization] = "Bearer " + Self.string(refreshed, "accessToken")

            // It records the vector's visit (in a household of its helper), signed; an admin re-checks it.
            var fields = vector.objectValue?["fields"]?.objectValue ?? [:]
            fields["householdId"] = .string(household)
            fields[DeviceSignature.field] = try DeviceSignature.signVisit(deviceId: deviceId, recordId: visitId,
                                                                          fields: fields, key: key)
            let stamp = HLCTimestamp(physical: clock.now() - 60_000, logical: 0, node: deviceId).wireValue
            let push: JSONValue = ["deviceId": .string(deviceId), "mutations": [[
                "seq": 1, "collection": "visits", "recordId": .string(visitId), "op": "create", "stamp": .string(stamp),
                "fields": .object(fields),
            ]]]
            try await client.execute(uri: "/sync/push", method: .post, headers: phone, body: try Self.body(push)) { response in
                #expect(response.status == .ok)
                let outcome = try response.json().objectValue?["results"]?.arrayValue?.first?.objectValue?["status"]
                #expect(outcome == "applied")
            }
            let check = try await client.execute(uri: "/admin/v1/visits/\(visitId)/signature", method: .get,
                                                 headers: fixture.adminHeaders) { try $0.json() }
            let documentedCheck = examples["admin-visit-signature-response.json"]!
            #expect(Self.missingKeys(actual: check, documented: documentedCheck).isEmpty)
            #expect(check.objectValue?["status"] == documentedCheck.objectValue?["status"])
            #expect(Self.string(check, "keyId") == Self.string(documentedCheck, "keyId"))

            // The phone is lost: an admin revokes it, and its next contact hears the documented code.
            let revoked = try await client.execute(uri: "/admin/v1/devices/\(deviceId)/revoke", method: .post,
                                                   headers: fixture.adminHeaders) { response in
                #expect(response.status == .ok)
                return try response.json()
            }
            #expect(Self.missingKeys(actual: revoked, documented: examples["admin-device-revoke-response.json"]!).isEmpty)
            #expect(revoked.objectValue?["revoked"] == true)
            let documentedError = examples["error-device-revoked.json"]!
            try await client.execute(uri: "/sync/pull", method: .get, headers: phone) { response in
                #expect(response.status == .unauthorized)
                #expect(response.errorCode?.rawValue == Self.string(documentedError, "code"))
            }
        }
    }

    @Test func rateLimitedExampleCarriesTheCodeTheServerSends() async throws {
        let fixture = try await ServerFixture.make()
        let documented = try Self.json("error-rate-limited.json")
        let headers: HTTPFields = [HTTPField.Name("Bangfu-Protocol")!: "2", .contentType: "application/json"]
        let wrong = try Self.body(Self.replacing(try Self.json("sync-enrol-request.json"), ["code": "AAAA-BBBB-CCCC"]))
        try await fixture.application().test(.router) { client in
            var last: TestResponse?
            for _ in 0...fixture.config.enrolAttemptsBurst {
                last = try await client.execute(uri: "/sync/enrol", method: .post, headers: headers, body: wrong) { $0 }
            }
            #expect(last?.status == .tooManyRequests)
            #expect(last?.errorCode?.rawValue == Self.string(documented, "code"))
        }
    }
}
