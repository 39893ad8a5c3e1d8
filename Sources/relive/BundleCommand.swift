import ArgumentParser

/// `relive bundle`: create, inspect, verify and unpack release bundles, and
/// generate signing keys.
///
/// Exit codes (the tool's one map, ``ToolExit``):
/// - 0: success;
/// - 2: the bundle is refused (corrupt, truncated, unsafe, over a limit,
///   hash or signature mismatch, missing required signature, clash with the
///   install root), or `inspect --public-key` found the signature invalid;
/// - 64: usage error (bad options, malformed key file, invalid input files
///   or names for `create`);
/// - 1: failed (a file that cannot be read or written, for reasons other
///   than the bundle's content).
struct BundleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bundle",
        abstract: "Create, inspect, verify and unpack release bundles.",
        discussion: """
            Exit codes: 0 success; 2 bundle refused (or, for inspect with \
            --public-key, signature invalid); 64 usage error or invalid input; \
            1 I/O error. See docs/bundles.md.
            """,
        subcommands: [
            BundleCreateCommand.self, BundleInspectCommand.self, BundleVerifyCommand.self,
            BundleUnpackCommand.self, BundleKeygenCommand.self,
        ]
    )
}
