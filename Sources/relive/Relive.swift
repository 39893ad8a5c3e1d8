import ArgumentParser

/// `relive`: build plugins, compile relups, build and inspect bundles, and
/// start and drive nodes. Each subcommand lives in its own file; the program
/// starts in main.swift.
struct Relive: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "relive",
        abstract: "Build, ship and upgrade live Relive systems.",
        subcommands: [PluginCommand.self, RelupCommand.self, BundleCommand.self, ReleaseCommand.self, NodeCommand.self, HostVersionCommand.self]
    )
}
