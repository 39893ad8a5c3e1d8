import ArgumentParser

/// `relive release build releases/<name>-<vsn>.rel [--upfrom OLD.rel ...]
/// [--sign KEY] [--strict] [--host DIR] [-o FILE]`: one signed, reproducible bundle.
struct ReleaseBuildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Build a release bundle: plugins, .app/.appup files, relup, sys.config.",
        discussion: """
            Reads the .rel, builds each application version's plugin from plugins/<app>/<vsn>/ \
            (cached by source hash under _build/relive/), takes each .app and appups/<app>-<vsn>.appup, \
            compiles the relup against each --upfrom release, adds config/<name>-<vsn>/sys.config (or \
            an empty one) and writes one bundle (default _build/relive/<name>-<vsn>.tar.gz). \
            The project is the folder above the .rel's releases/ folder. Progress goes to standard error. \
            Exit codes: 0 built; 1 failed (a plugin does not compile, a write failed); 64 bad input \
            (the message names the file).
            """
    )

    @Argument(help: ArgumentHelp("The release to build.", valueName: "releases/<name>-<vsn>.rel"))
    var release: String

    @Option(name: .customLong("upfrom"), help: ArgumentHelp("An older release the relup upgrades from and downgrades to (repeatable).", valueName: "OLD.rel"))
    var upFrom: [String] = []

    @Option(help: ArgumentHelp("Sign the bundle with this secret key file (relive bundle keygen).", valueName: "KEY"))
    var sign: String?

    @Flag(help: "Fail when a changed application's appup does not load one of its modules.")
    var strict = false

    @Option(name: [.short, .customLong("output")], help: ArgumentHelp("The bundle to write.", valueName: "FILE"))
    var output: String?

    @Option(help: ArgumentHelp("Carry the host the release runs on (a folder with bin/relive, whose host-version must be the .rel's {erts, Vsn}) as hosts/<vsn>/: for a release on another host than the node's.", valueName: "DIR"))
    var host: String?

    @Flag(help: "Build plugins without optimisation (faster to compile).")
    var debug = false

    @OptionGroup var format: OutputOptions

    func run() throws {
        let format = self.format
        try ToolExit.run("release build") {
            let builder = ReleaseBuilder(project: .containing(releaseFile: release), releaseFile: release, upFrom: upFrom,
                                         strict: strict, signingKey: sign, output: output, host: host, optimize: !debug, progress: format.progress)
            let r = try builder.build()
            format.emit(
                "wrote \(r.bundle): \(r.name) \(r.version), \(r.files) files, \(r.bytes) bytes\(r.signed ? ", signed" : ", unsigned")",
                json: [
                    "bundle": r.bundle, "release": r.name, "version": r.version, "files": r.files, "bytes": r.bytes,
                    "signed": r.signed, "warnings": r.warnings,
                    "plugins": r.plugins.map { ["application": $0.0, "version": $0.1, "cached": $0.2] as [String: Any] },
                ])
        }
    }
}
