import ArgumentParser
import ReliveBundles

/// The exit codes of every `relive` command (one map for the tool):
/// - 0: success;
/// - 1: failed (a compile, a read or write, an operation that went wrong);
/// - 2: refused (a bundle, a signature, a peer, an upgrade that is not accepted);
/// - 3: node not running (nothing answers on the install root's control socket);
/// - 64: usage error (bad options, malformed input files).
enum ToolExit {
    static let failed: Int32 = 1
    static let refused: Int32 = 2
    static let nodeNotRunning: Int32 = 3
    static let usage: Int32 = 64

    static func code(for kind: ToolError.Kind) -> Int32 {
        switch kind {
        case .failed: failed
        case .refused: refused
        case .nodeNotRunning: nodeNotRunning
        case .usage: usage
        }
    }

    /// Runs `body`; a ``ToolError`` or ``BundleError`` is printed to standard
    /// error as `relive <command>: <message>` and turned into its exit code.
    /// Any other error is a failure (exit 1). `ExitCode` passes through.
    static func run<T>(_ command: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as ExitCode {
            throw error
        } catch let error as ToolError {
            BundleExitStatus.printError("relive \(command): \(error)")
            throw ExitCode(code(for: error.kind))
        } catch let error as BundleError {
            BundleExitStatus.printError("relive \(command): \(error)")
            throw ExitCode(code(for: BundleExitStatus.kind(of: error)))
        } catch {
            BundleExitStatus.printError("relive \(command): \(error)")
            throw ExitCode(failed)
        }
    }

    /// `run` for async bodies.
    static func run<T>(_ command: String, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as ExitCode {
            throw error
        } catch let error as ToolError {
            BundleExitStatus.printError("relive \(command): \(error)")
            throw ExitCode(code(for: error.kind))
        } catch let error as BundleError {
            BundleExitStatus.printError("relive \(command): \(error)")
            throw ExitCode(code(for: BundleExitStatus.kind(of: error)))
        } catch {
            BundleExitStatus.printError("relive \(command): \(error)")
            throw ExitCode(failed)
        }
    }
}
