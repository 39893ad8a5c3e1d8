import ArgumentParser

// Placeholder until the relup compiler lands (issue 5).
struct RelupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "relup", abstract: "Compile a relup (not yet built).")
    func run() throws { throw ExitCode(2) }
}
