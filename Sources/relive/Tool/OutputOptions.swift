import ArgumentParser
import Foundation

/// The one `--json` option group of every `relive` command that reports:
/// people get sentences on standard output, scripts get one JSON object.
/// Progress lines always go to standard error, so `--json` output stays clean.
struct OutputOptions: ParsableArguments {
    @Flag(name: .customLong("json"), help: "Print one JSON object for scripts instead of text for people.")
    var json = false

    /// Prints `human` (text mode) or `object` serialised as one line of JSON.
    func emit(_ human: @autoclosure () -> String, json object: @autoclosure () -> [String: Any]) {
        if json {
            let data = (try? JSONSerialization.data(withJSONObject: object(), options: [.sortedKeys])) ?? Data("{}".utf8)
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(human())
        }
    }

    /// One progress line on standard error (`==> step`), in both modes.
    func progress(_ line: String) {
        BundleExitStatus.printError("==> " + line)
    }
}
