// swift-tools-version: 6.1
import PackageDescription

// Module map (DESIGN §2): the pure core (SyncModel, FieldDomain, SyncEngine) imports no NIO, database or
// HTTP module; adapters and the edge sit downstream of it.
let package = Package(
    name: "bangfu-sync",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "SyncModel", targets: ["SyncModel"]),
        .library(name: "SyncClient", targets: ["SyncClient"]),
        .executable(name: "bangfu-server", targets: ["bangfu-server"]),
        .executable(name: "bangfu-sim", targets: ["bangfu-sim"]),
        .executable(name: "bangfu-admin", targets: ["bangfu-admin"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/adam-fowler/compress-nio.git", from: "1.5.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
    ],
    targets: [
        // Pure core: values, domain rules, merge logic. No I/O.
        .target(name: "SyncModel", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),
        .target(name: "FieldDomain", dependencies: ["SyncModel"]),
        // swift-crypto for the audit chain's SHA-256 and the keyed hash of personal data: pure computation.
        .target(name: "SyncEngine", dependencies: [
            "SyncModel", "FieldDomain", .product(name: "Crypto", package: "swift-crypto"),
        ]),

        // The 明白卡's pure core: payload, signing and verification (protocol/cards.md). No I/O.
        .target(name: "MingbaiCard", dependencies: [
            "SyncModel", "FieldDomain", .product(name: "Crypto", package: "swift-crypto"),
        ]),

        // The 明白卡 as printed: HTML (A4/A5) and SVG from a template, every value escaped.
        .target(name: "CardRendering", dependencies: [
            "MingbaiCard", "QRCode", "FieldDomain", "SyncModel", .product(name: "Mustache", package: "swift-mustache"),
        ]),

        // Storage port with its in-memory twin, the embedded SQLite adapter, and PostgreSQL for several nodes.
        .target(name: "SyncStore", dependencies: ["SyncModel", "FieldDomain", "SyncEngine"]),
        .target(name: "SyncStoreSQLite", dependencies: [
            "SyncStore", "SyncModel", "SyncEngine", "FieldDomain",
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        .target(name: "SyncStorePostgres", dependencies: [
            "SyncStore", "SyncModel", "SyncEngine", "FieldDomain",
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),

        // The application (no HTTP) and the TLS edge.
        .target(name: "SyncService", dependencies: [
            "SyncModel", "FieldDomain", "SyncEngine", "SyncStore", "MingbaiCard",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "SyncServer", dependencies: [
            "SyncService", "SyncModel", "SyncEngine", "SyncStore", "MingbaiCard", "CardRendering", "QRCode",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "HummingbirdTLS", package: "hummingbird"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOTLS", package: "swift-nio"),
            .product(name: "NIOFoundationCompat", package: "swift-nio"),
            .product(name: "CompressNIO", package: "compress-nio"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        // What the mobile app embeds.
        .target(name: "SyncClient", dependencies: [
            "SyncModel", "FieldDomain", "SyncEngine", "MingbaiCard",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOFoundationCompat", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        // Test support as a library: conformance suite, seeded RNG, manual clock, in-process and faulty
        // transports, the simulation driver (used by tests and by bangfu-sim).
        .target(name: "SyncTesting", dependencies: [
            "SyncModel", "FieldDomain", "SyncEngine", "SyncStore", "SyncStorePostgres", "SyncService", "SyncClient",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "Histogram", package: "hdrhistogram-swift"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOFoundationCompat", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        // Thin executables.
        .executableTarget(name: "bangfu-server", dependencies: [
            "SyncServer", "SyncService", "SyncStoreSQLite", "SyncStorePostgres",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "bangfu-sim", dependencies: [
            "SyncTesting", "SyncClient", "SyncModel",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // libqrencode (Debian libqrencode-dev) for the QR codes the admin tool prints (and the cards, later).
        .systemLibrary(name: "CQRencode", pkgConfig: "libqrencode", providers: [.apt(["libqrencode-dev"])]),
        .target(name: "QRCode", dependencies: ["CQRencode"]),

        .executableTarget(name: "bangfu-admin", dependencies: [
            "SyncModel", "FieldDomain", "MingbaiCard", "SyncEngine", "SyncStore", "SyncStoreSQLite", "SyncStorePostgres", "SyncService",
            "QRCode", "CardRendering",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        .executableTarget(name: "bangfu-bench", dependencies: [
            "SyncModel", "FieldDomain", "SyncEngine", "SyncStore", "SyncStoreSQLite", "SyncService", "SyncTesting",
            "MingbaiCard", "CardRendering", "QRCode", .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        .testTarget(name: "SyncCoreTests", dependencies: [
            "SyncModel", "FieldDomain", "SyncEngine", "SyncTesting", "QRCode", "MingbaiCard",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .testTarget(name: "ConvergenceTests", dependencies: [
            "SyncTesting", "SyncModel", "SyncEngine", "SyncStore", "SyncStoreSQLite",
            .product(name: "PropertyBased", package: "swift-property-based"),
        ]),
        .testTarget(name: "SyncClientTests", dependencies: ["SyncClient", "SyncModel", "SyncTesting"]),
        .testTarget(name: "SyncStoreTests", dependencies: [
            "SyncStore", "SyncStoreSQLite", "SyncStorePostgres", "SyncTesting", "SyncModel", "SyncEngine", "FieldDomain",
            "SyncService",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "SyncServerTests", dependencies: [
            "SyncServer", "SyncService", "SyncStore", "SyncStoreSQLite", "SyncTesting", "SyncClient", "SyncModel", "MingbaiCard",
            "CardRendering", "QRCode", "FieldDomain",
            // The executables, so that the CLI tests find them built next to the test bundle.
            "bangfu-server", "bangfu-admin", "bangfu-sim",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "CompressNIO", package: "compress-nio"),
            .product(name: "NIOFoundationCompat", package: "swift-nio"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ]),
    ]
)
