/// The outcome of starting a behaviour process.
public enum StartResult: Sendable, Equatable {
    /// `{ok, Pid}`.
    case started(Pid)
    /// `ignore`: init asked not to start; no process is left running.
    case ignored

    /// The pid, or nil for `ignore`.
    public var pid: Pid? {
        if case .started(let pid) = self { return pid } else { return nil }
    }
}

/// Why a behaviour process did not start: `{error, Reason}`. Nothing is left
/// running (the process, if it was spawned, has exited with `reason`).
public struct StartError: Error, Sendable, Equatable, CustomStringConvertible {
    public let reason: Term
    public init(_ reason: Term) { self.reason = reason }
    public var description: String { "start failed: \(reason)" }

    /// `{already_started, Pid}`: the name is taken.
    public static func alreadyStarted(_ pid: Pid) -> StartError {
        StartError(.tuple([.atom("already_started"), .pid(pid)]))
    }
}
