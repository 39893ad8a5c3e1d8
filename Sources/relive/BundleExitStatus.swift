import ArgumentParser
import ReliveBundles

import Glibc

/// Maps bundle failures to the exit codes documented on ``BundleCommand``.
enum BundleExitStatus {
    static let refused: Int32 = 1
    static let usage: Int32 = 64
    static let io: Int32 = 74

    /// Runs `body`; a ``BundleError`` is printed to standard error and turned
    /// into the exit code for its kind.
    static func run(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as BundleError {
            printError("relive bundle: \(error)")
            switch error.kind {
            case .refused: throw ExitCode(refused)
            case .invalidInput: throw ExitCode(usage)
            case .io: throw ExitCode(io)
            }
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
