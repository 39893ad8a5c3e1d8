/// Why a bundle operation failed: what is wrong, where, and whose fault.
///
/// The ``kind`` separates a bundle that is refused (corrupt, unsafe,
/// tampered, unsigned where a signature is required, or clashing with what is
/// installed) from bad input by the caller and from the machine's own I/O
/// failures; the `relive bundle` command maps each to its own exit code.
public struct BundleError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Whose fault a failure is.
    public enum Kind: Sendable, Equatable {
        /// The bundle is refused: unsafe, corrupt, truncated, over a limit,
        /// not matching its manifest or signature, or clashing with the root.
        case refused
        /// The caller's input is wrong (a file list, a name, a key file).
        case invalidInput
        /// The system failed (cannot read, write, rename) for reasons that
        /// are not the bundle's content.
        case io
    }

    public let kind: Kind
    /// The bundle entry (or file) the failure is about, when there is one.
    public let entry: String?
    /// What is wrong, in words.
    public let message: String

    public init(_ kind: Kind, entry: String? = nil, _ message: String) {
        self.kind = kind
        self.entry = entry
        self.message = message
    }

    /// A refused bundle.
    static func refused(_ entry: String?, _ message: String) -> BundleError {
        BundleError(.refused, entry: entry, message)
    }

    /// Bad input from the caller.
    static func invalidInput(_ entry: String?, _ message: String) -> BundleError {
        BundleError(.invalidInput, entry: entry, message)
    }

    public var description: String {
        let prefix: String
        switch kind {
        case .refused: prefix = "bundle refused"
        case .invalidInput: prefix = "invalid input"
        case .io: prefix = "I/O error"
        }
        if let entry {
            return "\(prefix): \(entry): \(message)"
        }
        return "\(prefix): \(message)"
    }
}
