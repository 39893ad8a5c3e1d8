import ArgumentParser
import ReliveBundles

import Glibc

/// Maps bundle failures onto the tool's one exit-code map (``ToolExit``).
enum BundleExitStatus {
    /// Runs `body`; a ``BundleError`` is printed to standard error and turned
    /// into the exit code for its kind.
    static func run(_ body: () throws -> Void) throws {
        try ToolExit.run("bundle", body)
    }

    /// The tool's error kind for a bundle failure.
    static func kind(of error: BundleError) -> ToolError.Kind {
        switch error.kind {
        case .refused: .refused
        case .invalidInput: .usage
        case .io: .failed
        }
    }

    static func printError(_ message: String) {
        var standardError = StandardError()
        print(message, to: &standardError)
    }
}

/// Standard error as a `TextOutputStream`.
struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        let bytes = Array(string.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { Glibc.write(STDERR_FILENO, $0.baseAddress.map { $0 + offset }, $0.count - offset) }
            if written <= 0 { return }
            offset += written
        }
    }
}
