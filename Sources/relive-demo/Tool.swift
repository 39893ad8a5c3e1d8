import Foundation

/// The real `relive` tool (beside this program), run as a child process the
/// way a user's script runs it.
struct Tool {
    struct Output {
        let status: Int32
        let stdout: String
        let stderr: String

        /// The `--json` object printed on standard output.
        var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(stdout.utf8))) as? [String: Any] ?? [:]
        }
    }

    let executable: String
    let directory: String

    /// `relive` in this program's folder.
    static func beside(directory: String) -> Tool {
        let here = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        return Tool(executable: here.appendingPathComponent("relive").path, directory: directory)
    }

    /// Runs `relive arguments...` and waits; `progress` gets each line of its
    /// standard error (the tool's `==>` progress) as it comes.
    func run(_ arguments: [String], progress: (String) -> Void = { _ in }) throws -> Output {
        let running = try start(arguments)
        return running.wait(progress: progress)
    }

    /// Starts `relive arguments...` in the background.
    func start(_ arguments: [String]) throws -> Running {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return Running(process: process, out: out, err: err)
    }

    /// A tool command running in the background.
    final class Running: @unchecked Sendable {
        let process: Process
        private let out: Pipe
        private let err: Pipe
        private var errorBuffer = Data()
        private var errorLines: [String] = []
        private var stdoutData = Data()
        private let stdoutDone = DispatchGroup()

        init(process: Process, out: Pipe, err: Pipe) {
            self.process = process
            self.out = out
            self.err = err
            // Standard output is read on the side so a long command never blocks on a full pipe.
            stdoutDone.enter()
            DispatchQueue.global().async { [self] in
                stdoutData = out.fileHandleForReading.readDataToEndOfFile()
                stdoutDone.leave()
            }
        }

        /// Reads standard error up to the first line containing `text`
        /// (nil at the end of the output).
        func line(containing text: String, progress: (String) -> Void = { _ in }) -> String? {
            while let line = nextErrorLine() {
                progress(line)
                if line.contains(text) { return line }
            }
            return nil
        }

        /// Reads the rest and waits for the command to end.
        func wait(progress: (String) -> Void = { _ in }) -> Output {
            while let line = nextErrorLine() { progress(line) }
            stdoutDone.wait()
            process.waitUntilExit()
            return Output(status: process.terminationStatus, stdout: String(decoding: stdoutData, as: UTF8.self),
                          stderr: errorLines.joined(separator: "\n"))
        }

        private func nextErrorLine() -> String? {
            while true {
                if let newline = errorBuffer.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = String(decoding: errorBuffer[errorBuffer.startIndex..<newline], as: UTF8.self)
                    errorBuffer.removeSubrange(errorBuffer.startIndex...newline)
                    errorLines.append(line)
                    return line
                }
                let chunk = err.fileHandleForReading.availableData
                if chunk.isEmpty {
                    guard !errorBuffer.isEmpty else { return nil }
                    let line = String(decoding: errorBuffer, as: UTF8.self)
                    errorBuffer.removeAll()
                    errorLines.append(line)
                    return line
                }
                errorBuffer += chunk
            }
        }
    }
}
