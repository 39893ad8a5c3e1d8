import ArgumentParser
import ReliveNode

/// `relive host-version`: the host version this build is, the `{erts, Vsn}`
/// its releases name (what `release build --host` checks a host folder by).
struct HostVersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "host-version",
        abstract: "Print the host version of this build (a release's {erts, Vsn}).")

    func run() throws {
        print(ReliveHost.current())
    }
}
