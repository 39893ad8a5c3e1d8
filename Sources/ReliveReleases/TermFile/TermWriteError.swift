import ReliveKit

/// A value that cannot be written to a term file.
public struct TermWriteError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What could not be written, and why.
    public var message: String

    public init(message: String) { self.message = message }

    public var description: String { "cannot write term: \(message)" }
}
