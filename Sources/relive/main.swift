import ArgumentParser
import ReliveRuntime

// `relive node run` is a node: its processes run on the node's scheduler
// installed as the default executor (no per-hop executor-preference lookup),
// which must happen before the first task exists, so here, before the
// argument parser (and its async main) runs. Every other command keeps
// Swift's default executor. RELIVE_DEFAULT_EXECUTOR=0 keeps it for a node too.
if Array(CommandLine.arguments.dropFirst().prefix(2)) == ["node", "run"] {
    Node.installSchedulerAsDefaultExecutor()
}
// What AsyncParsableCommand.main() does. Called by name, `main()` and an
// existential's `run()` resolve to the synchronous overloads here (which
// refuse an async root, or print the help): the generic helper names the
// async requirement.
func runAsync<Command: AsyncParsableCommand>(_ command: Command) async throws {
    var command = command
    let run: (inout Command) async throws -> Void = { try await $0.run() }
    try await run(&command)
}

do {
    let command = try await Relive.asyncParseAsRoot(nil)
    if let asyncCommand = command as? any AsyncParsableCommand {
        try await runAsync(asyncCommand)
    } else {
        var command = command
        try command.run()
    }
} catch {
    Relive.exit(withError: error)
}
