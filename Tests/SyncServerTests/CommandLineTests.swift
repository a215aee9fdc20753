import FieldDomain
import Foundation
import SyncModel
import SyncStore
import SyncStoreSQLite
import SyncTesting
import Testing

/// The executables as an operator runs them.
@Suite struct CommandLineTests {
    static var binDirectory: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    }

    /// Runs a built tool on a thread of its own: waiting for a child process on one of the two threads of
    /// the concurrency pool starves every other test of it (a 50 ms timer once fired after 20 s).
    static func run(_ tool: String, _ arguments: [String]) async throws -> (status: Int32, output: String) {
        let url = binDirectory.appendingPathComponent(tool)
        guard FileManager.default.isExecutableFile(atPath: url.path) else {
            throw CommandLineFailure("\(tool) is not built next to the tests at \(url.path)")
        }
        return try await TLSHardeningTests.offPool { try runBlocking(url, arguments) }
    }

    private static func runBlocking(_ url: URL, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("BANGFU_") }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    struct CommandLineFailure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    @Test func adminSeedsDeterministicallyEnrollsAndListsDevices() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bangfu-cli-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let first = try await Self.run("bangfu-admin", ["seed", "--db", directory.appendingPathComponent("a.sqlite").path,
                                                 "--households", "50", "--seed", "9"])
        let second = try await Self.run("bangfu-admin", ["seed", "--db", directory.appendingPathComponent("b.sqlite").path,
                                                  "--households", "50", "--seed", "9"])
        #expect(first.status == 0 && first.output.contains("50 households"))
        #expect(first.output.replacingOccurrences(of: "a.sqlite", with: "") == second.output.replacingOccurrences(of: "b.sqlite", with: ""))
        let again = try await Self.run("bangfu-admin", ["seed", "--db", directory.appendingPathComponent("a.sqlite").path,
                                                 "--households", "50"])
        #expect(again.status != 0 && again.output.contains("already holds data"))

        let enroll = try await Self.run("bangfu-admin", ["enroll", "--token", "--db", directory.appendingPathComponent("a.sqlite").path,
                                                  "--helper", "hp52232700001"])
        #expect(enroll.status == 0)
        let token = enroll.output.split(separator: "\n").first { $0.hasPrefix("bft1.") }
        #expect(token != nil)
        let deviceId = token.map { String($0.split(separator: ".")[1]) } ?? "?"
        let devices = try await Self.run("bangfu-admin", ["devices", "--db", directory.appendingPathComponent("a.sqlite").path])
        #expect(devices.status == 0 && devices.output.contains(deviceId))

        let unknown = try await Self.run("bangfu-admin", ["enroll", "--db", directory.appendingPathComponent("a.sqlite").path,
                                                   "--helper", "hp-nobody"])
        #expect(unknown.status != 0 && unknown.output.contains("no such helper"))

        // The default is a one-time code for the phone to register its key with.
        let database = directory.appendingPathComponent("a.sqlite").path
        let code = try await Self.run("bangfu-admin", ["enroll", "--db", database, "--helper", "hp52232700001"])
        let printed = code.output.split(separator: "\n").first { $0.count == 14 && $0.split(separator: "-").count == 3 }
        #expect(code.status == 0 && printed != nil && code.output.contains("BFE1:"))
        let revoke = try await Self.run("bangfu-admin", ["devices", "revoke", "--db", database, "--device", deviceId])
        #expect(revoke.status == 0 && revoke.output.contains("revoked"))
        let missing = try await Self.run("bangfu-admin", ["visits", "verify", "--db", database, "--id", "no-such-visit"])
        #expect(missing.status != 0 && missing.output.contains("not found"))
    }

    @Test func serverRefusesToStartWithoutTLS() async throws {
        let result = try await Self.run("bangfu-server", ["--port", "0", "--db", "/tmp/bangfu-never-created.sqlite"])
        #expect(result.status != 0)
        #expect(result.output.contains("TLS is required"))
    }

    @Test func serverRefusesAPostgresSettingThatIsNotAURL() async throws {
        let result = try await Self.run("bangfu-server", ["--port", "0", "--tls-cert", "x.pem", "--tls-key", "y.pem",
                                                    "--postgres", "host=127.0.0.1 dbname=bangfu"])
        #expect(result.status != 0)
        #expect(result.output.contains("postgres must be a URL"), "\(result.output)")
    }

    @Test func simulatorRefusesPlaintextURLs() async throws {
        let result = try await Self.run("bangfu-sim", ["run", "--url", "http://127.0.0.1:1", "--admin-token", "x"])
        #expect(result.status != 0)
        #expect(result.output.contains("https://"))
    }

    @Test func adminListsShowsAndResolvesConflicts() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bangfu-cli-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("c.sqlite").path
        let fixture = try await StoreFixture.make(try SQLiteSyncStore(path: path), households: 20)
        let (helper, households) = try fixture.helper()
        try await fixture.enroll("dev-a", helperId: helper)
        try await fixture.enroll("dev-b", helperId: helper)
        let base = try #require(try await fixture.store.record(RecordKey(.households, households[0]))).version
        for (device, value) in [("dev-a", 15000), ("dev-b", 18000)] {
            var mutation = fixture.setHousehold(households[0], seq: 1, device: device, fields: ["incomeWage": .int(Int64(value))])
            mutation.baseVersion = base
            _ = try await fixture.push([mutation], device: device, helper: helper)
        }
        let id = "cf.dev-b.1.incomeWage"
        let list = try await Self.run("bangfu-admin", ["conflicts", "list", "--db", path])
        #expect(list.status == 0 && list.output.contains(id) && list.output.contains("15000"))
        let show = try await Self.run("bangfu-admin", ["conflicts", "show", id, "--db", path])
        #expect(show.status == 0 && show.output.contains("当前值 current 18000"))
        let bad = try await Self.run("bangfu-admin", ["conflicts", "resolve", id, "--db", path, "--value=-1", "--reason", "核实"])
        #expect(bad.status != 0 && bad.output.contains("out_of_range"))
        let resolve = try await Self.run("bangfu-admin", ["conflicts", "resolve", id, "--db", path, "--value", "16000",
                                                   "--reason", "入户核实工资单", "--by", "县管理员"])
        #expect(resolve.status == 0 && resolve.output.contains("16000"))
        let again = try await Self.run("bangfu-admin", ["conflicts", "resolve", id, "--db", path, "--choose", "existing",
                                                 "--reason", "再改"])
        #expect(again.status != 0 && again.output.contains("conflict_not_open"))
        let resolved = try await Self.run("bangfu-admin", ["conflicts", "list", "--db", path, "--status", "resolved"])
        #expect(resolved.output.contains(id))
        #expect(try await fixture.store.record(RecordKey(.households, households[0]))?.fields["incomeWage"] == 16000)
    }

    @Test func seedCanShareHouseholdsAmongCoHelpers() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bangfu-cli-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let plain = try await Self.run("bangfu-admin", ["seed", "--db", directory.appendingPathComponent("p.sqlite").path,
                                                 "--households", "40", "--seed", "3"])
        let shared = try await Self.run("bangfu-admin", ["seed", "--db", directory.appendingPathComponent("s.sqlite").path,
                                                  "--households", "40", "--seed", "3", "--co-helpers", "2"])
        #expect(plain.output.contains("40 assignments"))
        #expect(shared.status == 0 && shared.output.contains("120 assignments"))
    }

    @Test func adminAccountsAssignmentAndCompactionFromTheCommandLine() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bangfu-cli-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("a.sqlite").path
        let fixture = try await StoreFixture.make(try SQLiteSyncStore(path: path), households: 20)
        let (helper, households) = try fixture.helper()
        let (other, _) = try fixture.helper(skipping: [helper])
        let village = String(households[0].prefix(12))

        let add = try await Self.run("bangfu-admin", ["admins", "add", "--db", path, "--name", "村支书", "--role", "village",
                                                "--region", village])
        #expect(add.status == 0 && add.output.contains("bfa1.adm-"))
        let wrong = try await Self.run("bangfu-admin", ["admins", "add", "--db", path, "--name", "x", "--role", "town",
                                                  "--region", village])
        #expect(wrong.status != 0 && wrong.output.contains("--region"))
        let id = try #require(add.output.split(separator: " ").dropFirst().first.map(String.init))
        #expect(try await Self.run("bangfu-admin", ["admins", "list", "--db", path]).output.contains("\(id)\tvillage\t\(village)"))
        #expect(try await Self.run("bangfu-admin", ["admins", "disable", id, "--db", path]).status == 0)
        #expect(try await Self.run("bangfu-admin", ["admins", "list", "--db", path]).output.contains("disabled"))

        let assign = try await Self.run("bangfu-admin", ["assign", "--db", path, "--household", households[0], "--helper", other,
                                                   "--replace", helper])
        #expect(assign.status == 0 && assign.output.contains("ended \(helper):\(households[0])"))
        #expect(try await fixture.store.record(RecordKey(.assignments, "\(helper):\(households[0])"))?.deleted == true)
        #expect(try await fixture.store.record(RecordKey(.assignments, "\(other):\(households[0])"))?.deleted == false)
        let missing = try await Self.run("bangfu-admin", ["assign", "--db", path, "--household", households[0], "--helper", helper,
                                                    "--replace", "hp-nobody"])
        #expect(missing.status != 0)

        let compact = try await Self.run("bangfu-admin", ["compact", "--db", path, "--horizon-days", "90"])
        #expect(compact.status == 0 && compact.output.contains("purged 0 records"))
        #expect(try await Self.run("bangfu-admin", ["compact", "--db", path, "--horizon-days", "0"]).status != 0)
    }

    /// The admin tool works on the server's PostgreSQL database as on its SQLite file.
    @Test(.enabled(if: PostgresTestDatabase.url != nil, "BANGFU_TEST_POSTGRES_URL is not set"))
    func adminToolWorksOnPostgres() async throws {
        try await PostgresTestDatabase.withDatabase { url in
            // PostgreSQL has no default place for the data keys: without them the tool refuses to start.
            let keys = FileManager.default.temporaryDirectory.appendingPathComponent("bangfu-keys-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: keys) }
            let noKeys = try await Self.run("bangfu-admin", ["seed", "--postgres", url, "--households", "20"])
            #expect(noKeys.status != 0 && noKeys.output.contains("keysDir (or BANGFU_DATA_KEYS) is required"), "\(noKeys.output)")
            let created = try await Self.run("bangfu-admin", ["keys", "init", "--postgres", url, "--keys-dir", keys])
            #expect(created.status == 0 && created.output.contains("created, current key"), "\(created.output)")
            let seed = try await Self.run("bangfu-admin", ["seed", "--postgres", url, "--keys-dir", keys, "--households", "20", "--seed", "3"])
            #expect(seed.status == 0 && seed.output.contains("20 assignments"), "\(seed.output)")
            let again = try await Self.run("bangfu-admin", ["seed", "--postgres", url, "--keys-dir", keys, "--households", "20"])
            #expect(again.status != 0 && again.output.contains("already holds data"), "\(again.output)")
            let county = try #require(CountyGenerator(households: 20, seed: 3).generate().households.first?.scope.villageCode)
            let addArguments = ["admins", "add", "--postgres", url, "--keys-dir", keys, "--name", "县干部", "--role", "county",
                                "--region", String(county.prefix(6))]
            // Writing the audit log on PostgreSQL needs the cluster's key file; there is no default.
            let keyless = try await Self.run("bangfu-admin", addArguments)
            #expect(keyless.status != 0 && keyless.output.contains("auditKeyFile is required"), "\(keyless.output)")
            let keyFile = FileManager.default.temporaryDirectory.appendingPathComponent("bangfu-key-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: keyFile) }
            try Data((0..<32).map { UInt8($0) }).write(to: keyFile)
            let add = try await Self.run("bangfu-admin", addArguments + ["--audit-key-file", keyFile.path])
            #expect(add.status == 0 && add.output.contains("bfa1.adm-"), "\(add.output)")
            #expect(try await Self.run("bangfu-admin", ["admins", "list", "--postgres", url, "--keys-dir", keys]).output.contains("county"))
            let compact = try await Self.run("bangfu-admin", ["compact", "--postgres", url, "--keys-dir", keys, "--horizon-days", "90",
                                                        "--audit-key-file", keyFile.path])
            #expect(compact.status == 0 && compact.output.contains("purged 0 records"), "\(compact.output)")
            let verify = try await Self.run("bangfu-admin", ["audit", "verify", "--postgres", url, "--keys-dir", keys])
            #expect(verify.status == 0 && verify.output.contains("1 entries"), "\(verify.output)")
        }
    }
}
