import ArgumentParser

/// `relive release`: build release bundles from a project.
struct ReleaseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "release",
        abstract: "Build release bundles from a project (plugins/, appups/, releases/, config/).",
        subcommands: [ReleaseBuildCommand.self]
    )
}
