// swift-tools-version:6.0
import PackageDescription

// One module per concern; arrows point down only:
//   relive (tool) -> ReliveBundles, ReliveReleases, ReliveCodeServer, ReliveRuntime -> ReliveKit
// ReliveKit lives in its own local package (Sources/Kit) so that it is ONE
// dynamic library shared by the node, the tests and every plugin.
let kit: Target.Dependency = .product(name: "ReliveKit", package: "Kit")
let log: Target.Dependency = .product(name: "Logging", package: "swift-log")

let package = Package(
    name: "relive",
    products: [
        .executable(name: "relive", targets: ["relive"]),
        .library(name: "ReliveRuntime", targets: ["ReliveRuntime"]),
        .library(name: "ReliveReleases", targets: ["ReliveReleases"]),
        .library(name: "ReliveBundles", targets: ["ReliveBundles"]),
    ],
    dependencies: [
        .package(path: "Sources/Kit"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    ],
    targets: [
        // The process runtime: schedulers, processes, mailboxes, links, monitors,
        // registry, timers (and, later, the behaviour engines and `sys`).
        .target(
            name: "ReliveRuntime",
            dependencies: [
                kit, log,
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "HeapModule", package: "swift-collections"),
            ]
        ),
        // Plugins: building them (swiftc against the kit), loading them
        // (dlopen, never unmapped), and the code server's module table.
        .target(name: "ReliveCodeServer", dependencies: [kit, "ReliveRuntime"]),
        // Erlang term files, the .app/.rel/.appup/relup/RELEASES/sys.config
        // models and the relup compiler.
        .target(name: "ReliveReleases", dependencies: [kit]),
        // libarchive, behind a system-library target and a small C shim.
        .systemLibrary(
            name: "CArchive",
            pkgConfig: "libarchive",
            providers: [.apt(["libarchive-dev"])]
        ),
        .target(name: "CArchiveShim", dependencies: ["CArchive"]),
        // Release bundles: deterministic, checksummed, signed tar.gz.
        .target(
            name: "ReliveBundles",
            dependencies: [
                "CArchiveShim",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The command line.
        .executableTarget(
            name: "relive",
            dependencies: [
                kit, "ReliveRuntime", "ReliveCodeServer", "ReliveReleases", "ReliveBundles", log,
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The first example program (the main job until the release demo lands).
        .executableTarget(name: "relive-example", dependencies: [kit, "ReliveRuntime", log]),
        // The live-upgrade demo (the README's main job).
        .executableTarget(name: "relive-demo", dependencies: [kit, "ReliveRuntime", "ReliveCodeServer", log]),
        // Benchmarks (run in release mode by tools/bench beside the Erlang anchors).
        .executableTarget(name: "relive-bench", dependencies: [kit, "ReliveRuntime", "ReliveCodeServer"]),

        // gen_tcp for processes, on SwiftNIO's event loops.
        .target(
            name: "ReliveTCP",
            dependencies: [
                kit, "ReliveRuntime",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // The TCP echo server of tools/bench-tcp.
        .executableTarget(name: "relive-tcp-echo", dependencies: [kit, "ReliveRuntime", "ReliveTCP"]),
        .testTarget(name: "ReliveTCPTests", dependencies: [kit, "ReliveRuntime", "ReliveTCP", "ReliveCodeServer"]),

        .testTarget(
            name: "ReliveKitTests",
            dependencies: [kit, .product(name: "PropertyBased", package: "swift-property-based")]
        ),
        .testTarget(name: "ReliveCodeServerTests", dependencies: [kit, "ReliveRuntime", "ReliveCodeServer"]),
        .testTarget(name: "ReliveBehavioursTests", dependencies: [kit, "ReliveRuntime", log]),
        .testTarget(name: "ReliveRuntimeTests", dependencies: [kit, "ReliveRuntime", log]),
        .testTarget(
            name: "ReliveReleasesTests",
            dependencies: [
                kit, "ReliveReleases",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "ReliveBundlesTests",
            dependencies: [
                "ReliveBundles",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
    ]
)
