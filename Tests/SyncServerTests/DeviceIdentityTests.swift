import Crypto
import FieldDomain
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import SyncEngine
import SyncModel
import SyncService
import SyncStore
import SyncTesting
import Testing

/// Enrolment codes, device keys, signed visits, refresh and revocation through the real routes
/// (protocol/security.md).
@Suite struct DeviceIdentityTests {
    static let protocolHeader = HTTPField.Name("Bangfu-Protocol")!

    /// A phone: its key, and its tokens once enrolled.
    struct Phone {
        let key = Curve25519.Signing.PrivateKey()
        var tokens: DeviceTokens?
        var publicKey: String { Base64URL.encode(key.publicKey.rawRepresentation) }
        var headers: HTTPFields {
            [.authorization: "Bearer \(tokens?.accessToken ?? "")", DeviceIdentityTests.protocolHeader: "2",
             .contentType: "application/json"]
        }
    }

    static func json(_ value: some Encodable) throws -> ByteBuffer { ByteBuffer(data: try JSONEncoder().encode(value)) }

    static func issueCode(_ client: some TestClientProtocol, _ fixture: ServerFixture, helper: String,
                          headers: HTTPFields? = nil) async throws -> String {
        try await client.execute(uri: "/admin/v1/enrolment-codes", method: .post, headers: headers ?? fixture.adminHeaders,
                                 body: try json(["helperId": helper])) { response in
            #expect(response.status == .created)
            return try response.json().objectValue?["code"]?.stringValue ?? ""
        }
    }

    static func enrol(_ client: some TestClientProtocol, code: String, phone: inout Phone) async throws -> TestResponse {
        let response = try await client.execute(
            uri: "/sync/enrol", method: .post, headers: [protocolHeader: "2", .contentType: "application/json"],
            body: try json(EnrolRequest(code: code, publicKey: phone.publicKey, label: "test phone")))
        if response.status == .created { phone.tokens = try response.decode(DeviceTokens.self) }
        return response
    }

    /// A signed visit create for `phone`; `tamper` changes the fields after signing.
    static func visit(_ fixture: ServerFixture, phone: Phone, id: String, household: String, seq: Int64,
                      signWith key: Curve25519.Signing.PrivateKey? = nil, sign: Bool = true,
                      tamper: ((inout [String: JSONValue]) -> Void)? = nil) throws -> JSONValue {
        let deviceId = phone.tokens!.deviceId
        var fields: [String: JSONValue] = [
            "kind": "household", "householdId": .string(household), "visitedAt": "2026-11-22T09:30:00+08:00",
            "notes": "入户核实收入", "gps": ["lat": 26.58, "lon": 106.71],
        ]
        if sign {
            fields[DeviceSignature.field] = try DeviceSignature.signVisit(deviceId: deviceId, recordId: id, fields: fields,
                                                                         key: key ?? phone.key)
        }
        tamper?(&fields)
        let stamp = HLCTimestamp(physical: fixture.clock.now() - 60_000, logical: UInt32(seq), node: deviceId).wireValue
        return ["seq": .int(seq), "collection": "visits", "recordId": .string(id), "op": "create",
                "stamp": .string(stamp), "fields": .object(fields)]
    }

    static func push(_ client: some TestClientProtocol, phone: Phone, _ mutations: [JSONValue]) async throws -> [JSONValue] {
        let body: JSONValue = ["deviceId": .string(phone.tokens!.deviceId), "mutations": .array(mutations)]
        return try await client.execute(uri: "/sync/push", method: .post, headers: phone.headers,
                                        body: ByteBuffer(data: try JSONEncoder().encode(body))) { response in
            #expect(response.status == .ok)
            return try response.json().objectValue?["results"]?.arrayValue ?? []
        }
    }

    static func refreshRequest(_ phone: Phone, at timestamp: Int64, key: Curve25519.Signing.PrivateKey? = nil)
        throws -> TokenRefreshRequest {
        let token = phone.tokens!.refreshToken
        let proof = try (key ?? phone.key).signature(for: DeviceSignature.refreshMessage(refreshToken: token, timestamp: timestamp))
        return TokenRefreshRequest(refreshToken: token, timestamp: timestamp, proof: Base64URL.encode(proof))
    }

    @Test func aCodeEnrolsOnePhoneOnceBeforeItExpires() async throws {
        let fixture = try await ServerFixture.make()
        try await fixture.application().test(.router) { client in
            let code = try await Self.issueCode(client, fixture, helper: fixture.helperId)
            #expect(code.count == 14 && code.split(separator: "-").count == 3)
            var phone = Phone()
            // Typed in lower case without dashes: still the code.
            let typed = code.lowercased().replacingOccurrences(of: "-", with: "")
            #expect(try await Self.enrol(client, code: typed, phone: &phone).status == .created)
            let tokens = try #require(phone.tokens)
            #expect(tokens.helperId == fixture.helperId)
            #expect(tokens.keyId == DeviceSignature.keyId(publicKey: phone.key.publicKey.rawRepresentation))
            #expect(tokens.accessExpiresAt == fixture.clock.now() + 24 * 3_600_000)
            let stored = try await fixture.service.store.device(id: tokens.deviceId)
            #expect(stored?.publicKey == phone.publicKey)
            #expect(stored?.tokenHash.contains(tokens.accessToken.split(separator: ".").last!) == false)

            var second = Phone()
            #expect(try await Self.enrol(client, code: code, phone: &second).errorCode == .enrolmentCodeUsed)
            let expiring = try await Self.issueCode(client, fixture, helper: fixture.helperId)
            fixture.clock.advance(by: 73 * 3_600_000)
            #expect(try await Self.enrol(client, code: expiring, phone: &second).errorCode == .enrolmentCodeExpired)
            #expect(try await Self.enrol(client, code: "ABCD-EFGH-JKMN", phone: &second).errorCode == .enrolmentCodeInvalid)
            #expect(try await Self.enrol(client, code: "not a code!", phone: &second).errorCode == .enrolmentCodeInvalid)
            let fresh = try await Self.issueCode(client, fixture, helper: fixture.helperId)
            let badKey = try await client.execute(
                uri: "/sync/enrol", method: .post, headers: [Self.protocolHeader: "2", .contentType: "application/json"],
                body: try Self.json(EnrolRequest(code: fresh, publicKey: "AAAA")))
            #expect(badKey.errorCode == .invalidPublicKey)
            // The refused key did not use the code up.
            #expect(try await Self.enrol(client, code: fresh, phone: &second).status == .created)
        }
    }

    @Test func anAdminIssuesCodesOnlyForHelpersOfItsRegion() async throws {
        let fixture = try await ServerFixture.make()
        try await fixture.application().test(.router) { client in
            let store = fixture.service.store
            let mine = try await store.record(RecordKey(.households, fixture.households[0]))?.scope.villageCode ?? ""
            var village = ""
            var skipping: Set<String> = [fixture.helperId]
            while village.isEmpty || village == mine {
                let (other, theirs) = try fixture.store.helper(skipping: skipping)
                skipping.insert(other)
                village = try await store.record(RecordKey(.households, theirs[0]))?.scope.villageCode ?? ""
            }
            let otherHelper: String? = fixture.helperId
            let token = try await client.execute(
                uri: "/admin/v1/admins", method: .post, headers: fixture.adminHeaders,
                body: try Self.json(["name": "村管理员", "role": "village", "region": village])) { response in
                try response.json().objectValue?["token"]?.stringValue ?? ""
            }
            let villageHeaders: HTTPFields = [.authorization: "Bearer \(token)", .contentType: "application/json"]
            if let otherHelper {
                try await client.execute(uri: "/admin/v1/enrolment-codes", method: .post, headers: villageHeaders,
                                         body: try Self.json(["helperId": otherHelper])) { response in
                    #expect(response.errorCode == .forbidden)
                }
            }
            try await client.execute(uri: "/admin/v1/enrolment-codes", method: .post, headers: fixture.adminHeaders,
                                     body: try Self.json(["helperId": "hp-nobody"])) { response in
                #expect(response.errorCode == .notFound)
            }
            // A helper with no household yet: a village admin may not enrol a phone for it (the phone would
            // reach whatever is assigned later, anywhere in the county); the operator may.
            try await store.importRecords([SyncRecord(
                collection: .helpers, id: "hp52232700999", version: 0,
                fields: ["name": "新帮扶人", "countyCode": .string(String(village.prefix(6)))], stamps: [:],
                scope: .init())])
            try await client.execute(uri: "/admin/v1/enrolment-codes", method: .post, headers: villageHeaders,
                                     body: try Self.json(["helperId": "hp52232700999"])) { response in
                #expect(response.errorCode == .forbidden)
            }
            try await client.execute(uri: "/admin/v1/enrolment-codes", method: .post, headers: fixture.adminHeaders,
                                     body: try Self.json(["helperId": "hp52232700999"])) { response in
                #expect(response.status == .created)
            }
        }
    }

    @Test func visitsFromAKeyedPhoneMustBeSignedByItsKeyAndTheRestOfTheBatchGoesThrough() async throws {
        let fixture = try await ServerFixture.make()
        try await fixture.application().test(.router) { client in
            var phone = Phone()
            _ = try await Self.enrol(client, code: try await Self.issueCode(client, fixture, helper: fixture.helperId), phone: &phone)
            let household = fixture.households[0]
            let other = Curve25519.Signing.PrivateKey()
            let results = try await Self.push(client, phone: phone, [
                try Self.visit(fixture, phone: phone, id: "v-good", household: household, seq: 1),
                try Self.visit(fixture, phone: phone, id: "v-unsigned", household: household, seq: 2, sign: false),
                try Self.visit(fixture, phone: phone, id: "v-tampered", household: household, seq: 3) { fields in
                    fields["notes"] = "改过的记录"
                },
                try Self.visit(fixture, phone: phone, id: "v-otherkey", household: household, seq: 4, signWith: other),
                try Self.visit(fixture, phone: phone, id: "v-good-2", household: household, seq: 5),
            ])
            let codes = results.map { $0.objectValue?["code"]?.stringValue ?? $0.objectValue?["status"]?.stringValue ?? "" }
            #expect(codes == ["applied", "signature_required", "signature_invalid", "signature_key_mismatch", "applied"])
            #expect(results[1].objectValue?["field"]?.stringValue == "signature")

            // Stored with its signature, which an admin can re-check.
            let stored = try #require(try await fixture.service.store.record(RecordKey(.visits, "v-good")))
            #expect(stored.fields[DeviceSignature.field]?.objectValue?["keyId"]?.stringValue == phone.tokens?.keyId)
            try await client.execute(uri: "/admin/v1/visits/v-good/signature", method: .get, headers: fixture.adminHeaders) { response in
                let check = try response.decode(VisitSignatureCheck.self)
                #expect(check.status == .valid)
            }
            // Someone with the database edits the visit: the check sees it.
            var edited = stored
            edited.fields["notes"] = "篡改"
            try await fixture.service.store.importRecords([edited])
            try await client.execute(uri: "/admin/v1/visits/v-good/signature", method: .get, headers: fixture.adminHeaders) { response in
                let check = try response.decode(VisitSignatureCheck.self)
                #expect(check.status == .invalid)
            }
            // Moving a signed visit to another helper (a field the signature leaves to the server) shows too.
            var moved = try #require(try await fixture.service.store.record(RecordKey(.visits, "v-good-2")))
            moved.fields["helperId"] = "hp52232799999"
            try await fixture.service.store.importRecords([moved])
            try await client.execute(uri: "/admin/v1/visits/v-good-2/signature", method: .get, headers: fixture.adminHeaders) { response in
                let check = try response.decode(VisitSignatureCheck.self)
                #expect(check.status == .invalid)
            }
            // A device enrolled before keys records unsigned visits, shown as such.
            let legacy: [JSONValue] = [[
                "seq": 1, "collection": "visits", "recordId": "v-legacy", "op": "create",
                "stamp": .string(HLCTimestamp(physical: fixture.clock.now() - 60_000, logical: 0,
                                              node: fixture.enrollment.deviceId).wireValue),
                "fields": ["kind": "household", "householdId": .string(household), "visitedAt": "2026-11-22T09:30:00+08:00"],
            ]]
            try await client.execute(uri: "/sync/push", method: .post, headers: fixture.deviceHeaders,
                                     body: try fixture.pushBody(legacy)) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/admin/v1/visits/v-legacy/signature", method: .get, headers: fixture.adminHeaders) { response in
                let check = try response.decode(VisitSignatureCheck.self)
                #expect(check.status == .unsigned)
            }
        }
    }

    @Test func anExpiredAccessTokenIsRefreshedWithAProofOfTheKeyAndARetiredRefreshTokenWorksOnlyForALostAnswer() async throws {
        let fixture = try await ServerFixture.make()
        try await fixture.application().test(.router) { client in
            var phone = Phone()
            _ = try await Self.enrol(client, code: try await Self.issueCode(client, fixture, helper: fixture.helperId), phone: &phone)
            fixture.clock.advance(by: 25 * 3_600_000)
            try await client.execute(uri: "/sync/pull", method: .get, headers: phone.headers) { response in
                #expect(response.errorCode == .tokenExpired)
            }
            let now = fixture.clock.now()
            let refreshHeaders: HTTPFields = [Self.protocolHeader: "2", .contentType: "application/json"]
            // A proof by another key, or an old one, does not refresh.
            for bad in [try Self.refreshRequest(phone, at: now, key: Curve25519.Signing.PrivateKey()),
                        try Self.refreshRequest(phone, at: now - 11 * 60_000)] {
                try await client.execute(uri: "/sync/token", method: .post, headers: refreshHeaders, body: try Self.json(bad)) { response in
                    #expect(response.errorCode == .proofInvalid)
                }
            }
            // A timestamp at the edge of Int64 is refused, not an arithmetic overflow that stops the server.
            try await client.execute(uri: "/sync/token", method: .post, headers: refreshHeaders,
                                     body: try Self.json(try Self.refreshRequest(phone, at: Int64.min + 1))) { response in
                #expect(response.errorCode == .proofInvalid)
            }
            let first = try Self.refreshRequest(phone, at: now)
            let renewed = try await client.execute(uri: "/sync/token", method: .post, headers: refreshHeaders,
                                                   body: try Self.json(first)) { response in
                #expect(response.status == .ok)
                return try response.decode(DeviceTokens.self)
            }
            #expect(renewed.refreshToken != phone.tokens?.refreshToken)
            // The answer was lost: the phone retries with the same refresh token, and gets tokens again.
            let retried = try await client.execute(uri: "/sync/token", method: .post, headers: refreshHeaders,
                                                   body: try Self.json(first)) { response in
                #expect(response.status == .ok)
                return try response.decode(DeviceTokens.self)
            }
            // The first answer's refresh token was replaced by the retry's.
            phone.tokens = renewed
            try await client.execute(uri: "/sync/token", method: .post, headers: refreshHeaders,
                                     body: try Self.json(try Self.refreshRequest(phone, at: now))) { response in
                #expect(response.errorCode == .tokenInvalid)
            }
            // Once the retry's token is used, the first one is spent for good.
            phone.tokens = retried
            let third = try await client.execute(uri: "/sync/token", method: .post, headers: refreshHeaders,
                                                 body: try Self.json(try Self.refreshRequest(phone, at: now))) { response in
                #expect(response.status == .ok)
                return try response.decode(DeviceTokens.self)
            }
            try await client.execute(uri: "/sync/token", method: .post, headers: refreshHeaders, body: try Self.json(first)) { response in
                #expect(response.errorCode == .tokenInvalid)
            }
            phone.tokens = third
            try await client.execute(uri: "/sync/pull", method: .get, headers: phone.headers) { response in
                #expect(response.status == .ok)
            }
        }
    }

    @Test func aRevokedPhoneIsToldAtItsNextContactAndCannotRefresh() async throws {
        let fixture = try await ServerFixture.make()
        try await fixture.application().test(.router) { client in
            var phone = Phone()
            _ = try await Self.enrol(client, code: try await Self.issueCode(client, fixture, helper: fixture.helperId), phone: &phone)
            let deviceId = try #require(phone.tokens?.deviceId)
            try await client.execute(uri: "/admin/v1/devices/\(deviceId)/revoke", method: .post, headers: fixture.adminHeaders) { response in
                #expect(response.status == .ok)
                let body = try response.json()
                #expect(body.objectValue?["revoked"] == .bool(true))
            }
            try await client.execute(uri: "/sync/pull", method: .get, headers: phone.headers) { response in
                #expect(response.status == .unauthorized)
                #expect(response.errorCode == .deviceRevoked)
            }
            // Even months later, with its access token long expired.
            fixture.clock.advance(by: 90 * 86_400_000)
            try await client.execute(uri: "/sync/pull", method: .get, headers: phone.headers) { response in
                #expect(response.errorCode == .deviceRevoked)
            }
            try await client.execute(uri: "/sync/token", method: .post, headers: [Self.protocolHeader: "2", .contentType: "application/json"],
                                     body: try Self.json(try Self.refreshRequest(phone, at: fixture.clock.now()))) { response in
                #expect(response.errorCode == .deviceRevoked)
            }
            try await client.execute(uri: "/admin/v1/devices/no-such-device/revoke", method: .post, headers: fixture.adminHeaders) { response in
                #expect(response.errorCode == .notFound)
            }
            // Issuing the code, the enrolment and the revocation are in the audit log, in that order.
            let records = try await fixture.service.store.auditRecords(after: 0, limit: 1000)
            var actions: [String] = []
            for record in records {
                let entry = try AuditEntry(body: record.body)
                if entry.deviceId == deviceId || entry.action == .enrolmentCodeIssue { actions.append(entry.action.rawValue) }
            }
            #expect(actions == ["enrolment_code.issue", "device.enroll", "device.revoke"])
        }
    }
}
