import ArgumentParser

// Placeholder until release bundles land (issue 6).
struct BundleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bundle", abstract: "Release bundles (not yet built).")
    func run() throws { throw ExitCode(2) }
}
