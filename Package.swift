// swift-tools-version:6.2
import PackageDescription

let package = Package(
    name: "hogport",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "PostHogKit", targets: ["PostHogKit"]),
        .library(name: "PostHogKitTesting", targets: ["PostHogKitTesting"]),
        .library(name: "PostHogCore", targets: ["PostHogCore"]),
        .executable(name: "hogport", targets: ["hogport"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
    ],
    targets: [
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "PostHogCore", dependencies: ["CZlib"]),
        .target(
            name: "PostHogKit",
            dependencies: [
                "PostHogCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(name: "PostHogKitTesting", dependencies: ["PostHogKit", "PostHogCore"]),
        .target(
            name: "HogportKit",
            dependencies: [
                "PostHogKit", "PostHogCore", "CSQLite",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "hogport",
            dependencies: [
                "HogportKit", "PostHogCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // `make bench` only: measurements that are reported, never asserted.
        .executableTarget(name: "hogport-bench", dependencies: ["HogportKit", "PostHogCore"]),
        .target(name: "TestSupport", dependencies: ["HogportKit", "PostHogCore"], path: "Tests/TestSupport"),
        .testTarget(name: "PostHogCoreTests", dependencies: ["PostHogCore"]),
        .testTarget(
            name: "PostHogKitTests",
            dependencies: [
                "PostHogKit", "PostHogCore", "HogportKit", "PostHogKitTesting", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(name: "HogportKitTests", dependencies: ["HogportKit", "PostHogCore", "TestSupport", "hogport"]),
    ]
)

for target in package.targets where [.regular, .test, .executable].contains(target.type) {
    target.swiftSettings = (target.swiftSettings ?? []) + [
        .enableUpcomingFeature("ExistentialAny"),
        .enableUpcomingFeature("MemberImportVisibility"),
        .enableUpcomingFeature("InternalImportsByDefault"),
    ]
}
