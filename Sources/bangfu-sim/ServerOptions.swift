import ArgumentParser
import Foundation
import SyncTesting

/// Where the server is and how to reach it.
struct ServerOptions: ParsableArguments {
    @Option(help: "Server URL, e.g. https://127.0.0.1:8443.") var url: String
    @Option(help: "PEM file of the CA to trust (the dev CA: certs/out/ca.pem).") var ca: String?
    @Option(name: .customLong("admin-token"), help: "The server's admin token, for enrolling devices (env BANGFU_ADMIN_TOKEN).")
    var adminToken: String?

    func validate() throws {
        guard url.hasPrefix("https://") else { throw ValidationError("--url must be https:// (the server speaks TLS only)") }
        guard resolvedAdminToken != nil else { throw ValidationError("--admin-token or BANGFU_ADMIN_TOKEN is required") }
    }

    var resolvedAdminToken: String? { adminToken ?? ProcessInfo.processInfo.environment["BANGFU_ADMIN_TOKEN"] }

    func server(devices: Int) throws -> HTTPSimulationServer {
        try HTTPSimulationServer(url: url, caCertificatePath: ca, adminToken: resolvedAdminToken ?? "",
                                 maxConnections: devices)
    }
}
