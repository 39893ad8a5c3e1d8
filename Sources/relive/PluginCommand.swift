import ArgumentParser
import Foundation
import ReliveCodeServer

/// `relive plugin build`: compiles one application version's behaviour code
/// into its plugin, `<app>-<vsn>.so`, against the kit next to this tool.
struct PluginCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugin",
        abstract: "Build behaviour plugins.",
        subcommands: [Build.self]
    )

    struct Build: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compile plugins/<app>/<vsn>/*.swift into <out>/<app>-<vsn>.so.",
            discussion: "Exit codes: 0 built, 1 the sources do not compile or the kit is missing, 64 usage."
        )

        @Argument(help: "The application's name.") var application: String
        @Argument(help: "The application's version.") var version: String
        @Option(help: "Folder of the Swift sources (default: plugins/<app>/<vsn>).") var source: String?
        @Option(help: "Output folder.") var out: String = "out/plugins"
        @Flag(help: "Build without optimisation (faster to compile).") var debug = false

        func run() throws {
            let folder = source ?? "plugins/\(application)/\(version)"
            guard let sources = try? PluginSources.list(folder: folder) else {
                throw ValidationError("no source folder \(folder)")
            }
            do {
                var builder = try PluginBuilder.locate()
                builder.optimize = !debug
                let path = try builder.build(application: application, version: version, sources: sources, outputDirectory: out)
                print(path)
            } catch {
                FileHandle.standardError.write(Data("relive plugin build: \(error)\n".utf8))
                throw ExitCode(1)
            }
        }
    }
}
