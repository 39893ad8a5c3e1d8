import Foundation

/// What the demo prints: a timeline of steps, and the checks that decide
/// its exit status.
final class Timeline {
    private let started = ContinuousClock.now
    private(set) var checks: [(name: String, passed: Bool, detail: String)] = []

    /// One line, stamped with the time since the start.
    func say(_ text: String) {
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        write(String(format: "[%6.1f s] ", seconds) + text)
    }

    /// A line under the current step.
    func detail(_ text: String) {
        write("           " + text)
    }

    /// Records a check and prints it; the demo exits 0 only if all passed.
    @discardableResult
    func check(_ name: String, _ passed: Bool, _ detail: @autoclosure () -> String = "") -> Bool {
        let text = detail()
        checks.append((name, passed, text))
        write("           \(passed ? "ok  " : "FAIL") \(name)\(text.isEmpty ? "" : ": \(text)")")
        return passed
    }

    var allPassed: Bool { checks.allSatisfy(\.passed) }

    /// One line on standard output at once (a pipe must show the timeline as it happens).
    private func write(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}

/// The demo cannot go on (a build failed, the node did not start).
struct DemoError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
