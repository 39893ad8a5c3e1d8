/// Thrown to end the current process with `reason`, Erlang's `exit(Reason)`.
///
/// The runtime also throws it out of `receive` when the process was killed by
/// an exit signal while it ran, so that its Swift code unwinds; a process body
/// should let it propagate.
public struct ProcessExit: Error, Sendable, CustomStringConvertible {
    /// The exit reason its links and monitors receive.
    public let reason: Term

    public init(_ reason: Term) { self.reason = reason }

    public var description: String { "exit(\(reason))" }
}
