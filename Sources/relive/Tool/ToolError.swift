/// A failure of any `relive` command, with the exit code it maps to.
///
/// One map for the whole tool (see ``ToolExit``): every command turns its
/// errors into one of these kinds, so scripts read one set of exit codes.
struct ToolError: Error, CustomStringConvertible {
    enum Kind: Sendable {
        /// Bad command line or bad input files (exit 64).
        case usage
        /// Well-formed input that is not accepted: a bundle refused, a socket
        /// peer refused, an upgrade refused by the release handler (exit 2).
        case refused
        /// Something that should have worked did not: a compile, a write (exit 1).
        case failed
        /// The node does not answer on its control socket (exit 3).
        case nodeNotRunning
    }

    let kind: Kind
    /// The file (or other thing) the error is about, named first in the message.
    let file: String?
    let message: String

    init(_ kind: Kind, file: String? = nil, _ message: String) {
        self.kind = kind
        self.file = file
        self.message = message
    }

    var description: String { file.map { "\($0): \(message)" } ?? message }
}
