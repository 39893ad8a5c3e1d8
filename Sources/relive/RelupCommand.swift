import ArgumentParser
import Foundation
import ReliveKit
import ReliveReleases

/// `relive relup`: compiles the relup between releases from the applications'
/// `.app` and `.appup` files, as `systools:make_relup` does.
///
/// Exit status: 0 compiled (warnings, if any, on stderr); 1 the relup cannot
/// be compiled (OTP's error name first on stderr) or a file does not read;
/// 64 bad usage.
struct RelupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "relup",
        abstract: "Compile a relup (upgrade and downgrade scripts) from .rel, .app and .appup files.",
        discussion: """
            Each --path DIR holds applications' .app and .appup files (OTP's lib/App-Vsn/ebin \
            works as a DIR, and so does lib/App-Vsn). The relup is written in OTP's term syntax, \
            to --out or to standard output.
            """
    )

    @Option(name: .customLong("from"), help: ArgumentHelp("A release to upgrade from and downgrade to (repeatable).", valueName: "OLD.rel"))
    var from: [String] = []

    @Option(name: .customLong("to"), help: ArgumentHelp("The release the relup upgrades to.", valueName: "NEW.rel"))
    var to: String

    // Several values per --path, so that a shell glob (`--path lib/*/ebin`) works.
    @Option(name: .customLong("path"), parsing: .upToNextOption,
            help: ArgumentHelp("Directories holding .app/.appup files (repeatable; several per --path).", valueName: "DIR"))
    var path: [String] = []

    @Option(name: .customLong("out"), help: ArgumentHelp("Where to write the relup (default: standard output).", valueName: "FILE"))
    var out: String?

    @Flag(name: .customLong("strict"), help: "Fail when a changed application's appup does not load one of its modules.")
    var strict = false

    @Flag(name: .customLong("restart-emulator"), help: "End every script with restart_emulator (systools' option).")
    var restartEmulator = false

    func validate() throws {
        guard !from.isEmpty else { throw ValidationError("give at least one --from OLD.rel") }
        guard !path.isEmpty else { throw ValidationError("give at least one --path DIR") }
    }

    func run() throws {
        do {
            let catalog = try ApplicationCatalog.load(directories: path)
            let top = RelupCompiler.Input(release: try ReleaseSpec.read(path: to), file: to)
            let bases = try from.map { RelupCompiler.Input(release: try ReleaseSpec.read(path: $0), file: $0) }
            let compiler = RelupCompiler(catalog: catalog, options: .init(strict: strict, restartEmulator: restartEmulator))
            let output = try compiler.compile(to: top, upFrom: bases, downTo: bases)
            for warning in output.warnings { RelupCommand.stderr("\(warning)") }
            if let out {
                try output.relup.write(to: out)
            } else {
                print("%% coding: utf-8")
                print(try TermFile.format([output.relup.term]), terminator: "")
            }
        } catch let error as RelupError {
            RelupCommand.stderr("error: \(error.name): \(error.message)")
            throw ExitCode(1)
        } catch let error as ExitCode {
            throw error
        } catch {
            RelupCommand.stderr("error: \(error)")
            throw ExitCode(1)
        }
    }

    private static func stderr(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
