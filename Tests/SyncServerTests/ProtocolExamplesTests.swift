import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOFoundationCompat
import SyncModel
import SyncServer
import SyncTesting
import Testing

/// The bodies in protocol/examples are the contract: sent to the real routes (ids rewritten to the seeded
/// county and the enrolled device), the server must answer with the documented outcomes and codes.
@Suite struct ProtocolExamplesTests {
    static let directory = LiveServer.repositoryRoot.appendingPathComponent("protocol/examples")

    static func example(_ name: String) throws -> String {
        try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
    }

    static func json(_ name: String) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(try example(name).utf8))
    }

    /// An example request with its ids replaced by the fixture's.
    static func rewritten(_ name: String, fixture: ServerFixture) async throws -> ByteBuffer {
        let household = fixture.households[0]
        let record = try await fixture.service.store.record(.init(.households, household))
        let village = record?.scope.villageCode ?? ""
        var text = try example(name)
        text = text.replacingOccurrences(of: "6513270e-269e-4d37-b2a7-4de452e6b438", with: fixture.enrollment.deviceId)
        text = text.replacingOccurrences(of: "5223270010010001-04", with: "\(household)-m-example")
        text = text.replacingOccurrences(of: "5223270010010001", with: household)
        text = text.replacingOccurrences(of: "522327001001", with: village)
        return ByteBuffer(string: text)
    }

    static func outcomes(_ value: JSONValue) -> [String] {
        (value.objectValue?["results"]?.arrayValue ?? []).map { result in
            let object = result.objectValue ?? [:]
            return [object["status"]?.stringValue, object["code"]?.stringValue,
                    object["field"]?.stringValue.map { "field=\($0)" },
                    object["replayed"]?.boolValue.map { "replayed=\($0)" }].compactMap { $0 }.joined(separator: "/")
        }
    }

    /// Keys documented in the example (non-null) that the actual body lacks, at the top and in the first
    /// element of every array.
    static func missingKeys(actual: JSONValue, documented: JSONValue, path: String = "") -> [String] {
        guard let documentedObject = documented.objectValue else { return [] }
        let actualObject = actual.objectValue ?? [:]
        var missing: [String] = []
        for (key, value) in documentedObject where !value.isNull {
            guard let actualValue = actualObject[key] else {
                missing.append(path + key)
                continue
            }
            if case .array(let documentedItems) = value, let first = documentedItems.first,
                let actualFirst = actualValue.arrayValue?.first
            {
                missing += missingKeys(actual: actualFirst, documented: first, path: path + key + "[0].")
            } else if value.objectValue != nil, key != "fields", key != "stamps", key != "mutation" {
                missing += missingKeys(actual: actualValue, documented: value, path: path + key + ".")
            }
        }
        return missing
    }

    @Test func pushExamplesGetTheDocumentedOutcomes() async throws {
        let fixture = try await ServerFixture.make()
        let steps = [("push-request.json", "push-response.json"), ("push-request.json", "push-response-replay.json"),
                     ("push-request-gap.json", "push-response-gap.json"),
                     ("push-request-rejected.json", "push-response-rejected.json")]
        var bodies: [(ByteBuffer, JSONValue)] = []
        for (request, response) in steps {
            bodies.append((try await Self.rewritten(request, fixture: fixture), try Self.json(response)))
        }
        let sends = bodies
        try await fixture.application().test(.router) { client in
            for (body, documented) in sends {
                let actual = try await client.execute(uri: "/sync/push", method: .post, headers: fixture.deviceHeaders,
                                                      body: body) { try $0.json() }
                #expect(Self.outcomes(actual) == Self.outcomes(documented))
                #expect(actual.objectValue?["lastAppliedSeq"] == documented.objectValue?["lastAppliedSeq"])
                #expect(actual.objectValue?["expectedSeq"] == documented.objectValue?["expectedSeq"])
                #expect(Self.missingKeys(actual: actual, documented: documented).isEmpty)
            }
        }
    }

    @Test func pullHealthAndAdminBodiesHaveTheDocumentedShape() async throws {
        let fixture = try await ServerFixture.make()
        let checks: [(String, HTTPFields, String)] = [
            ("/sync/pull", fixture.deviceHeaders, "pull-response.json"),
            ("/health", [:], "health-response.json"),
            ("/admin/v1/devices", fixture.adminHeaders, "admin-devices-response.json"),
            ("/admin/v1/helpers?limit=5", fixture.adminHeaders, "admin-helpers-response.json"),
        ]
        let documented = try checks.map { try Self.json($0.2) }
        let hello = ByteBuffer(string: #"{"deviceId":"\#(fixture.enrollment.deviceId)","clientVersion":"test/1","mutations":[]}"#)
        try await fixture.application().test(.router) { client in
            try await client.execute(uri: "/sync/push", method: .post, headers: fixture.deviceHeaders, body: hello) { _ in }
            for (index, check) in checks.enumerated() {
                let actual = try await client.execute(uri: check.0, method: .get, headers: check.1) { try $0.json() }
                let missing = Self.missingKeys(actual: actual, documented: documented[index])
                #expect(missing.isEmpty, "\(check.2): missing \(missing)")
            }
            let enrolled = try await client.execute(
                uri: "/admin/v1/devices", method: .post, headers: fixture.adminHeaders,
                body: ByteBuffer(string: #"{"helperId":"\#(fixture.helperId)","label":"x","expiresInDays":365}"#)) { try $0.json() }
            #expect(Self.missingKeys(actual: enrolled, documented: try Self.json("enroll-response.json")).isEmpty)
        }
    }

    @Test func reassignmentExampleGetsTheDocumentedAnswerAndTheRemovalReachesTheOldPhone() async throws {
        let fixture = try await ServerFixture.make()
        let household = fixture.households[0]
        let (newHelper, _) = try fixture.store.helper(skipping: [fixture.helperId])
        // The example's ids, rewritten to the seeded county's.
        guard case .object(var request) = try Self.json("scopes-assign-request.json") else { throw ExampleError() }
        request["householdId"] = .string(household)
        request["helperId"] = .string(newHelper)
        request["replace"] = .string(fixture.helperId)
        let body = ByteBuffer(data: try JSONEncoder().encode(JSONValue.object(request)))
        try await fixture.application().test(.router) { client in
            let first = try await client.execute(uri: "/sync/pull", method: .get, headers: fixture.deviceHeaders) {
                try $0.decode(PullResponse.self)
            }
            let answer = try await client.execute(uri: "/admin/v1/assignments", method: .post, headers: fixture.adminHeaders,
                                                  body: body) { response in
                #expect(response.status == .created)
                return try response.json()
            }
            #expect(Self.missingKeys(actual: answer, documented: try Self.json("scopes-assign-response.json")).isEmpty)
            let next = try await client.execute(uri: "/sync/pull?cursor=\(first.cursor)", method: .get,
                                                headers: fixture.deviceHeaders) { try $0.decode(PullResponse.self) }
            #expect(Self.missingKeys(actual: try JSONDecoder().decode(JSONValue.self, from: try JSONEncoder().encode(next)),
                                     documented: try Self.json("pull-response-move-out.json")).isEmpty)
            let removed = next.changes.filter { $0.removed == true }
            #expect(removed.contains { $0.collection == "households" && $0.recordId == household })
            #expect(removed.allSatisfy { $0.fields.isEmpty && !$0.deleted })
            #expect(next.changes.allSatisfy { $0.removed == true || $0.recordId != household })
        }
    }

    @Test func integrityExampleGetsTheDocumentedAnswer() async throws {
        let fixture = try await ServerFixture.make()
        // The example's first household rewritten to one the device holds (its digest is stale on purpose),
        // the second is outside the scope.
        guard case .object(var request) = try Self.json("integrity-request.json"),
            case .object(var households) = request["households"]
        else { throw ExampleError() }
        let stale = households.removeValue(forKey: "5223270010010001")
        households[fixture.households[0]] = stale
        request["households"] = .object(households)
        let body = ByteBuffer(data: try JSONEncoder().encode(JSONValue.object(request)))
        try await fixture.application().test(.router) { client in
            let answer = try await client.execute(uri: "/sync/integrity", method: .post, headers: fixture.deviceHeaders,
                                                  body: body) { response in
                #expect(response.status == .ok)
                return try response.json()
            }
            #expect(Self.missingKeys(actual: answer, documented: try Self.json("integrity-response.json")).isEmpty)
            let decoded = try JSONDecoder().decode(IntegrityResponse.self, from: try JSONEncoder().encode(answer))
            #expect(decoded.purge == ["5299990010010002"])
            #expect(decoded.refetch.contains(fixture.households[0]))
        }
    }

    @Test func recordHistoryExampleHasTheDocumentedShape() async throws {
        let fixture = try await ServerFixture.make()
        let push = try await Self.rewritten("push-request.json", fixture: fixture)
        let member = "\(fixture.households[0])-m-example"
        try await fixture.application().test(.router) { client in
            try await client.execute(uri: "/sync/push", method: .post, headers: fixture.deviceHeaders, body: push) { _ in }
            let answer = try await client.execute(uri: "/admin/v1/records/members/\(member)/history", method: .get,
                                                  headers: fixture.adminHeaders) { response in
                #expect(response.status == .ok)
                return try response.json()
            }
            let documented = try Self.json("admin-record-history-response.json")
            #expect(Self.missingKeys(actual: answer, documented: documented).isEmpty)
            let fields = answer.objectValue?["entries"]?.arrayValue?.first?.objectValue?["fields"]?.objectValue ?? [:]
            #expect(Set(fields.keys) == Set(documented.objectValue?["entries"]?.arrayValue?.first?.objectValue?["fields"]?
                .objectValue?.keys.map { $0 } ?? []))
            #expect(fields["idNumber"]?.stringValue?.hasPrefix("hmac:") == true)
        }
    }

    struct ExampleError: Error {}

    /// Every helper id in the examples has the shape real ones have (`hp` + county code + 5 digits), as the
    /// seeded county's do.
    @Test func exampleHelperIdsHaveTheRealShape() async throws {
        let fixture = try await ServerFixture.make()
        let shape = /^hp[0-9]{11}$/
        #expect(fixture.helperId.wholeMatch(of: shape) != nil, "seeded id \(fixture.helperId)")
        func helperIds(_ value: JSONValue, key: String?) -> [String] {
            switch value {
            // `stamps.helperId` is the stamp of a field called helperId, not an id.
            case .object(let members): return members.filter { $0.key != "stamps" }.flatMap { helperIds($0.value, key: $0.key) }
            case .array(let items): return items.flatMap { helperIds($0, key: key) }
            case .string(let text): return ["helperId", "helpers"].contains(key) ? [text] : []
            default: return []
            }
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.directory.path).filter { $0.hasSuffix(".json") }
        var seen = 0
        for name in names {
            for id in helperIds(try Self.json(name), key: nil) {
                seen += 1
                #expect(id.wholeMatch(of: shape) != nil, "\(name): helper id \(id)")
            }
        }
        #expect(seen >= 6)
    }

    @Test func rejectionsAndHelperDetailHaveTheDocumentedShape() async throws {
        let fixture = try await ServerFixture.make()
        let rejected = try await Self.rewritten("push-request-rejected.json", fixture: fixture)
        try await fixture.application().test(.router) { client in
            try await client.execute(uri: "/sync/push", method: .post, headers: fixture.deviceHeaders, body: rejected) { _ in }
            for (uri, name) in [("/admin/v1/rejections", "admin-rejections-response.json"),
                                ("/admin/v1/helpers/\(fixture.helperId)", "admin-helper-response.json")] {
                let actual = try await client.execute(uri: uri, method: .get, headers: fixture.adminHeaders) { try $0.json() }
                let missing = Self.missingKeys(actual: actual, documented: try Self.json(name))
                #expect(missing.isEmpty, "\(name): missing \(missing)")
            }
        }
    }

    @Test func errorExamplesCarryTheCodesTheServerSends() async throws {
        let fixture = try await ServerFixture.make()
        let codes = try ["error-protocol-unsupported.json", "error-device-mismatch.json", "error-invalid-cursor.json",
                         "error-body-too-large.json", "error-token-expired.json", "error-overloaded.json"]
            .map { try Self.json($0).objectValue?["code"]?.stringValue }
        var noProtocol = fixture.deviceHeaders
        noProtocol[HTTPField.Name("Bangfu-Protocol")!] = nil
        let headers = noProtocol
        let app = fixture.application()
        let clock = fixture.clock
        try await app.test(.router) { client in
            var actual: [String?] = []
            actual.append(try await client.execute(uri: "/sync/pull", method: .get, headers: headers) { $0.errorCode?.rawValue })
            actual.append(try await client.execute(uri: "/sync/push", method: .post, headers: fixture.deviceHeaders,
                                                   body: ByteBuffer(string: #"{"deviceId":"other","mutations":[]}"#)) { $0.errorCode?.rawValue })
            actual.append(try await client.execute(uri: "/sync/pull?cursor=bogus", method: .get, headers: fixture.deviceHeaders) { $0.errorCode?.rawValue })
            actual.append(try await client.execute(uri: "/sync/push", method: .post, headers: fixture.deviceHeaders,
                                                   body: ByteBuffer(repeating: 0x20, count: 70_000)) { $0.errorCode?.rawValue })
            clock.advance(by: 400 * 86_400_000)
            actual.append(try await client.execute(uri: "/sync/pull", method: .get, headers: fixture.deviceHeaders) { $0.errorCode?.rawValue })
            #expect(Array(actual) == Array(codes.prefix(5)))
        }
        var saturated = fixture
        saturated.config.maxConcurrentRequests = 0
        try await saturated.application().test(.router) { client in
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(response.headers[.retryAfter] == "1")
                #expect(response.errorCode?.rawValue == codes[5])
            }
        }
    }
}
