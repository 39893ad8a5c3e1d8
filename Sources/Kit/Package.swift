// swift-tools-version:6.0
// The kit: the one dynamic library that the node, the test binaries and every
// plugin link. It is its own package because SwiftPM links a target of the
// same package statically into each product that uses it; a `.dynamic`
// product of a *separate* package is what keeps exactly one copy per OS
// process (see README, "One kit per process").
import PackageDescription

let package = Package(
    name: "Kit",
    products: [
        .library(name: "ReliveKit", type: .dynamic, targets: ["ReliveKit"]),
    ],
    targets: [
        .target(
            name: "ReliveKit",
            path: "ReliveKit",
            swiftSettings: [
                .unsafeFlags(["-enable-library-evolution"]),
            ]
        ),
    ]
)
