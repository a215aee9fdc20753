import Crypto
import FieldDomain
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import SyncModel
import SyncServer
import SyncStore
import SyncTesting
import Testing

/// The credential routes' rate limit per client address (protocol/README.md §10): through the real TLS
/// server from two loopback addresses, and through the routes in process.
@Suite struct EnrolRateLimitTests {
    struct Answer {
        var status: Int
        var code: String?
        var retryAfter: Int?
    }

    static let wrongCode = "AAAA-BBBB-CCCC"
    static let publicKey = Base64URL.encode(
        try! Curve25519.Signing.PrivateKey(rawRepresentation: [UInt8](repeating: 3, count: 32)).publicKey.rawRepresentation)

    static func enrolBody(code: String) throws -> String {
        String(decoding: try JSONEncoder().encode(EnrolRequest(code: code, publicKey: publicKey)), as: UTF8.self)
    }

    /// A POST with curl bound to `source` (any 127.0.0.0/8 address reaches the server on Linux's loopback).
    static func post(port: Int, path: String, body: String, from source: String, ca: String) async throws -> Answer {
        let result = try await TLSHardeningTests.offPool {
            try LiveTLSTests.runToolBlocking("/usr/bin/curl", [
                "-sS", "-i", "--max-time", "10", "--cacert", ca, "--interface", source,
                "-H", "Bangfu-Protocol: 2", "-H", "Content-Type: application/json", "--data-binary", body,
                "https://127.0.0.1:\(port)\(path)",
            ])
        }
        guard result.status == 0, let split = result.output.range(of: "\r\n\r\n") else {
            throw ConformanceFailure("curl from \(source) failed: \(result.output)")
        }
        let head = result.output[..<split.lowerBound].split(separator: "\r\n")
        let status = head.first.flatMap { Int($0.split(separator: " ")[1]) } ?? 0
        let retryAfter = head.first { $0.lowercased().hasPrefix("retry-after:") }
            .flatMap { Int($0.dropFirst("retry-after:".count).trimmingCharacters(in: .whitespaces)) }
        let body = try? JSONDecoder().decode(APIErrorBody.self, from: Data(result.output[split.upperBound...].utf8))
        return Answer(status: status, code: body?.code.rawValue, retryAfter: retryAfter)
    }

    @Test func theEleventhWrongCodeFromOneAddressIs429WhileAnotherAddressIsStillHeard() async throws {
        let certificates = try LiveServer.makeCertificates()
        defer { try? FileManager.default.removeItem(at: certificates.directory) }
        // The real server reads the real clock: one token a minute, so that a loaded machine running eleven
        // curls in up to a minute still sees the bucket empty (the default 10 a minute refills every 6 s).
        try await LiveServer.run(store: MemorySyncStore(), certificates: certificates,
                                 configure: { $0.enrolAttemptsPerMinute = 1 }) { port, _ in
            let body = try Self.enrolBody(code: Self.wrongCode)
            for attempt in 1...10 {
                let answer = try await Self.post(port: port, path: "/sync/enrol", body: body, from: "127.0.0.1",
                                                 ca: certificates.ca)
                #expect(answer.status == 400 && answer.code == "enrolment_code_invalid", "attempt \(attempt): \(answer)")
            }
            let limited = try await Self.post(port: port, path: "/sync/enrol", body: body, from: "127.0.0.1",
                                              ca: certificates.ca)
            #expect(limited.status == 429 && limited.code == ErrorCode.rateLimited.rawValue, "\(limited)")
            #expect((1...60).contains(limited.retryAfter ?? 0), "Retry-After \(String(describing: limited.retryAfter))")
            // Refresh shares the address's bucket: guessing cannot move from one route to the other.
            let refresh = #"{"refreshToken":"bfr1.x.yyyy","timestamp":0,"proof":"zz"}"#
            let token = try await Self.post(port: port, path: "/sync/token", body: refresh, from: "127.0.0.1",
                                            ca: certificates.ca)
            #expect(token.status == 429 && token.code == "rate_limited", "\(token)")
            let other = try await Self.post(port: port, path: "/sync/enrol", body: body, from: "127.0.0.2",
                                            ca: certificates.ca)
            #expect(other.status == 400 && other.code == "enrolment_code_invalid", "another address: \(other)")
        }
    }

    /// With the default figures (10 a minute, burst 10) and the fixture's manual clock.
    @Test func successfulEnrolmentsDoNotCountAndTheLimitIsAConfigurationEntry() async throws {
        let fixture = try await ServerFixture.make()
        var codes: [String] = []
        for _ in 0..<12 {
            codes.append(try await fixture.service.issueEnrolmentCode(
                helperId: fixture.helperId, adminId: nil, label: nil, expiresInHours: nil,
                by: .admin(id: "operator", role: .operator, region: "")).code)
        }
        let issued = codes
        let headers: HTTPFields = [HTTPField.Name("Bangfu-Protocol")!: "2", .contentType: "application/json"]
        try await fixture.application().test(.router) { client in
            // Twelve phones enrolling one after the other from one address (a training session on one
            // network) are all heard: each success gives its token back.
            for code in issued {
                try await client.execute(uri: "/sync/enrol", method: .post, headers: headers,
                                         body: ByteBuffer(string: try Self.enrolBody(code: code))) { response in
                    #expect(response.status == .created)
                }
            }
            let wrong = ByteBuffer(string: try Self.enrolBody(code: Self.wrongCode))
            for _ in 1...10 {
                try await client.execute(uri: "/sync/enrol", method: .post, headers: headers, body: wrong) { response in
                    #expect(response.errorCode == .enrolmentCodeInvalid)
                }
            }
            try await client.execute(uri: "/sync/enrol", method: .post, headers: headers, body: wrong) { response in
                #expect(response.status == .tooManyRequests && response.errorCode == .rateLimited)
                #expect(response.headers[.retryAfter] == "6")
                #expect(response.headers[HTTPField.Name("Bangfu-Protocol-Supported")!] != nil)
            }
            // Six seconds later one more attempt is heard.
            fixture.clock.advance(by: 6_000)
            try await client.execute(uri: "/sync/enrol", method: .post, headers: headers, body: wrong) { response in
                #expect(response.errorCode == .enrolmentCodeInvalid)
            }
            try await client.execute(uri: "/sync/enrol", method: .post, headers: headers, body: wrong) { response in
                #expect(response.errorCode == .rateLimited)
            }
        }
        var unlimited = fixture
        unlimited.config.enrolAttemptsPerMinute = 0
        try await unlimited.application().test(.router) { client in
            for _ in 1...15 {
                try await client.execute(uri: "/sync/enrol", method: .post, headers: headers,
                                         body: ByteBuffer(string: try Self.enrolBody(code: Self.wrongCode))) { response in
                    #expect(response.errorCode == .enrolmentCodeInvalid)
                }
            }
        }
    }

    @Test func theFiguresAreReadFromEveryLayerAndBounded() throws {
        var tls = ConfigurationLayer()
        tls.tlsCert = "c.pem"
        tls.tlsKey = "k.pem"
        let defaults = try ServerConfiguration.resolve([tls])
        #expect(defaults.enrolAttemptsPerMinute == 10 && defaults.enrolAttemptsBurst == 10)
        let environment = try ConfigurationLayer(environment: ["BANGFU_ENROL_ATTEMPTS_PER_MINUTE": "0",
                                                              "BANGFU_ENROL_ATTEMPTS_BURST": "3"])
        let configured = try ServerConfiguration.resolve([tls, environment])
        #expect(configured.enrolAttemptsPerMinute == 0 && configured.enrolAttemptsBurst == 3)
        var badRate = tls
        badRate.enrolAttemptsPerMinute = -1
        var badBurst = tls
        badBurst.enrolAttemptsBurst = 0
        for layer in [badRate, badBurst] {
            #expect(throws: ConfigurationError.self) { try ServerConfiguration.resolve([layer]) }
        }
    }
}

/// The token buckets themselves (`AttemptLimiter`), with time passed in, and which bucket an address
/// counts against (`AttemptGate.key`).
@Suite struct AttemptLimiterTests {
    @Test func aBucketEmptiesRefillsAndTellsHowLongToWait() {
        var limiter = AttemptLimiter(perMinute: 10, burst: 10)
        for _ in 0..<10 { #expect(limiter.take("a", at: .zero) == .allowed) }
        // One token every 6 s.
        #expect(limiter.take("a", at: .zero) == .limited(retryAfterSeconds: 6))
        #expect(limiter.take("b", at: .zero) == .allowed)
        #expect(limiter.take("a", at: .milliseconds(2500)) == .limited(retryAfterSeconds: 4))
        #expect(limiter.take("a", at: .seconds(7)) == .allowed)
        #expect(limiter.take("a", at: .seconds(7)) != .allowed)
        // A success gives its token back.
        limiter.giveBack("a", at: .seconds(7))
        #expect(limiter.take("a", at: .seconds(7)) == .allowed)
    }

    @Test func zeroPerMinuteTurnsTheLimitOff() {
        var limiter = AttemptLimiter(perMinute: 0, burst: 1)
        for _ in 0..<100 { #expect(limiter.take("a", at: .zero) == .allowed) }
        #expect(limiter.trackedAddresses == 0)
    }

    @Test func memoryStaysBoundedUnderAFloodOfAddressesAndRefilledBucketsAreForgotten() {
        var limiter = AttemptLimiter(perMinute: 10, burst: 10, maxAddresses: 1000)
        var most = 0
        for index in 0..<50_000 {
            _ = limiter.take("10.0.\(index / 256).\(index % 256)", at: .milliseconds(index))
            most = max(most, limiter.trackedAddresses)
        }
        #expect(most <= 1000 && most >= 500, "at most \(most) addresses tracked")
        // A full bucket is not kept: after the refill time everything is forgotten, at no cost to anyone.
        _ = limiter.take("x", at: .seconds(200))
        _ = limiter.take("x", at: .seconds(400))
        limiter.giveBack("x", at: .seconds(400))
        #expect(limiter.trackedAddresses == 0)
    }

    @Test func ipv6CountsByItsSlash64AndMappedIPv4AsIPv4() throws {
        func key(_ ip: String) throws -> String { AttemptGate.key(try SocketAddress(ipAddress: ip, port: 443)) }
        #expect(try key("203.0.113.7") == "203.0.113.7")
        #expect(try key("2001:db8:1:2::1") == key("2001:db8:1:2:ffff::9"))
        #expect(try key("2001:db8:1:2::1") == "20010db800010002/64")
        #expect(try key("2001:db8:1:3::1") != key("2001:db8:1:2::1"))
        #expect(try key("::ffff:203.0.113.7") == "203.0.113.7")
        #expect(AttemptGate.key(nil) == "local")
    }
}
