// swift-tools-version:6.0
import PackageDescription

// One module per concern; arrows point down only:
//   relive (tool) -> ReliveBundles, ReliveReleases, ReliveCodeServer, ReliveRuntime -> ReliveKit
// ReliveKit lives in its own local package (Sources/Kit) so that it is ONE
// dynamic library shared by the node, the tests and every plugin.
let kit: Target.Dependency = .product(name: "ReliveKit", package: "Kit")
let log: Target.Dependency = .product(name: "Logging", package: "swift-log")
// The allocator of every program that runs a node: mimalloc (Debian's
// libmimalloc-dev), linked so that it replaces glibc's malloc in the whole OS
// process. Messages are allocated by the sender's thread and freed by the
// receiver's; glibc's arenas handle that producer-consumer pattern poorly
// (the sender keeps faulting in fresh pages while its chunks pile up in the
// receiver's cache), as Erlang's per-scheduler allocators exist to avoid.
// Measured (relive-bench, 2026-12-03, interleaved runs): one-sender casts
// 2.4 -> 3.1 M msgs/s, fan-out 1.7 -> 1.0 us a process, call 3.1 -> 2.7 us,
// ping-pong 1.32 -> 1.13 us. Test binaries keep glibc's malloc.
let nodeAllocator: LinkerSetting = .linkedLibrary("mimalloc", .when(platforms: [.linux]))

let package = Package(
    name: "relive",
    products: [
        .executable(name: "relive", targets: ["relive"]),
        .executable(name: "relive-heart", targets: ["relive-heart"]),
        .library(name: "ReliveRuntime", targets: ["ReliveRuntime"]),
        .library(name: "ReliveReleases", targets: ["ReliveReleases"]),
        .library(name: "ReliveBundles", targets: ["ReliveBundles"]),
        .library(name: "ReliveSystem", targets: ["ReliveSystem"]),
    ],
    dependencies: [
        .package(path: "Sources/Kit"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        .package(url: "https://github.com/apple/swift-system.git", from: "1.8.1"),
        // The node (ReliveNode): signals and shutdown, metrics.
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
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
            ],
            // Release builds drop the dynamic exclusivity checks of the
            // process's own fields (its private queue, its reduction count):
            // a process's task is their only user, and the checks were 3 % of
            // a ping-pong. Debug builds, which the tests run, keep them.
            swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]
        ),
        // Plugins: building them (swiftc against the kit), loading them
        // (dlopen, never unmapped), and the code server's module table.
        .target(
            name: "ReliveCodeServer",
            dependencies: [kit, "ReliveRuntime", "ReliveSystem", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // Erlang term files, the .app/.rel/.appup/relup/RELEASES/sys.config
        // models and the relup compiler.
        .target(name: "ReliveReleases", dependencies: [kit]),
        // The release handler: upgrade transaction, relup checker and evaluator, RELEASES, boot.
        .target(
            name: "ReliveReleaseHandler",
            dependencies: [
                kit, log, "ReliveRuntime", "ReliveCodeServer", "ReliveReleases", "ReliveBundles", "ReliveSystem",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // libarchive, behind a system-library target and a small C shim.
        .systemLibrary(
            name: "CArchive",
            pkgConfig: "libarchive",
            providers: [.apt(["libarchive-dev"])]
        ),
        .target(name: "CArchiveShim", dependencies: ["CArchive"]),
        // The one place for syscalls: errors with errno, operation and path;
        // atomic file writes; a test hook that makes any call fail.
        .target(name: "CReliveSystem"),
        .target(name: "ReliveSystem", dependencies: ["CReliveSystem", .product(name: "SystemPackage", package: "swift-system")]),
        // Release bundles: deterministic, checksummed, signed tar.gz.
        .target(
            name: "ReliveBundles",
            dependencies: [
                "CArchiveShim",
                "ReliveSystem",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The node a user runs: install root, boot, control socket, metrics.
        .target(
            name: "ReliveNode",
            dependencies: [
                kit, "ReliveRuntime", "ReliveCodeServer", "ReliveReleases", "ReliveBundles", "ReliveReleaseHandler", "ReliveSystem", log,
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                // The node's TCP, so plugin code can listen and connect.
                "ReliveTCP",
            ]
        ),
        // The watchdog (OTP's heart): no plugin code, no Relive library.
        .executableTarget(name: "relive-heart"),
        // The command line.
        .executableTarget(
            name: "relive",
            dependencies: [
                kit, "ReliveRuntime", "ReliveCodeServer", "ReliveReleases", "ReliveBundles", "ReliveNode", log,
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            linkerSettings: [nodeAllocator]
        ),
        // The first example program (the main job until the release demo lands).
        .executableTarget(name: "relive-example", dependencies: [kit, "ReliveRuntime", log],
                          linkerSettings: [nodeAllocator]),
        // The live-upgrade demo (the README's main job): drives the real tool
        // and node; a client load on plain sockets.
        .executableTarget(
            name: "relive-demo", dependencies: [.product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // Benchmarks (run in release mode by tools/bench beside the Erlang anchors).
        .executableTarget(
            name: "relive-bench", dependencies: [kit, "ReliveRuntime", "ReliveCodeServer", "ReliveReleaseHandler"],
            linkerSettings: [nodeAllocator]
        ),
        // Runtime checks with the scheduler installed as the default executor
        // (run by ReliveRuntimeTests' InstalledSchedulerTests).
        .executableTarget(name: "relive-scheduler-check", dependencies: [kit, "ReliveRuntime"],
                          linkerSettings: [nodeAllocator]),

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
        .executableTarget(name: "relive-tcp-echo", dependencies: [kit, "ReliveRuntime", "ReliveTCP"],
                          linkerSettings: [nodeAllocator]),
        .testTarget(name: "ReliveTCPTests", dependencies: [kit, "ReliveRuntime", "ReliveTCP", "ReliveCodeServer",
                                                  "ReliveTestSupport"]),
        // The example system (plugins/ at the root) on a node, upgraded in process with a client connected.
        .testTarget(name: "ReliveExampleTests", dependencies: [kit, "ReliveRuntime", "ReliveTCP", "ReliveCodeServer",
                                                      "ReliveReleaseHandler", "ReliveTestSupport"]),

        .testTarget(
            name: "ReliveKitTests",
            dependencies: [kit, .product(name: "PropertyBased", package: "swift-property-based")]
        ),
        // Real plugins for the suites, built with the builder users use.
        .target(name: "ReliveTestSupport", dependencies: ["ReliveCodeServer"], path: "Tests/ReliveTestSupport"),
        .testTarget(name: "ReliveCodeServerTests", dependencies: [kit, "ReliveRuntime", "ReliveCodeServer", "ReliveTestSupport"]),
        .testTarget(
            name: "ReliveReleaseHandlerTests",
            dependencies: [
                kit, log, "ReliveRuntime", "ReliveCodeServer", "ReliveReleases", "ReliveReleaseHandler", "ReliveSystem", "ReliveTestSupport",
                "ReliveBundles", .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
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
        // The tool end to end: `relive release build`, `relive node ...` as child processes.
        .testTarget(name: "ReliveToolTests", dependencies: [kit, "ReliveReleases"]),
        .testTarget(name: "ReliveSystemTests", dependencies: ["ReliveSystem"]),
        .testTarget(
            name: "ReliveBundlesTests",
            dependencies: [
                "ReliveBundles",
                "ReliveSystem",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
    ]
)
