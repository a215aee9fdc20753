import Foundation
import SyncServer
import Testing

@Suite struct ServerConfigurationTests {
    @Test func flagsBeatEnvironmentBeatFileBeatDefaults() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("bangfu-config-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data(#"{"port": 7001, "db": "file.sqlite", "tlsCert": "f.pem", "tlsKey": "f.key", "logLevel": "debug"}"#.utf8)
            .write(to: file)
        var flags = ConfigurationLayer()
        flags.port = 9001
        let environment = try ConfigurationLayer(environment: ["BANGFU_PORT": "8001", "BANGFU_DB": "env.sqlite",
                                                              "BANGFU_ADMIN_TOKEN": "0123456789abcdef0123"])
        let config = try ServerConfiguration.resolve([flags, environment, try ConfigurationLayer(file: file.path)])
        #expect(config.port == 9001)
        #expect(config.db == "env.sqlite")
        #expect(config.tlsCert == "f.pem" && config.logLevel == "debug")
        #expect(config.adminToken == "0123456789abcdef0123")
        #expect(config.pullPageBytes == 262_144 && config.host == "127.0.0.1")
    }

    @Test func unusableConfigurationsAreRefusedWithAReason() throws {
        #expect(throws: ConfigurationError.self) { try ServerConfiguration.resolve([]) }
        #expect(throws: ConfigurationError.self) { try ConfigurationLayer(environment: ["BANGFU_PORT": "eighty"]) }
        #expect(throws: ConfigurationError.self) { try ConfigurationLayer(file: "/nonexistent/bangfu.json") }
        var tls = ConfigurationLayer()
        tls.tlsCert = "c.pem"
        tls.tlsKey = "k.pem"
        var shortToken = tls
        shortToken.adminToken = "short"
        #expect(throws: ConfigurationError.self) { try ServerConfiguration.resolve([shortToken]) }
        var smallPages = tls
        smallPages.pullPageBytes = 10
        #expect(throws: ConfigurationError.self) { try ServerConfiguration.resolve([smallPages]) }
        #expect(throws: Never.self) { try ServerConfiguration.resolve([tls]) }
    }
}

/// The handshake timeout is one more key of the one configuration table, range-checked at start.
@Suite struct HandshakeTimeoutConfigurationTests {
    @Test func handshakeTimeoutIsReadFromEveryLayerAndBounded() throws {
        var tls = ConfigurationLayer()
        tls.tlsCert = "c.pem"
        tls.tlsKey = "k.pem"
        #expect(try ServerConfiguration.resolve([tls]).handshakeTimeoutSeconds == 10)
        let environment = try ConfigurationLayer(environment: ["BANGFU_HANDSHAKE_TIMEOUT_SECONDS": "3"])
        #expect(try ServerConfiguration.resolve([tls, environment]).handshakeTimeoutSeconds == 3)
        for bad in [0, 301, -1] {
            var layer = tls
            layer.handshakeTimeoutSeconds = bad
            #expect(throws: ConfigurationError.self) { try ServerConfiguration.resolve([layer]) }
        }
    }
}
