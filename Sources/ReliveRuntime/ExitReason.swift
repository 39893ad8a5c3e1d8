import ReliveKit

/// Exit reasons the runtime makes.
public enum ExitReason {
    /// The reason of a process whose code threw `error`:
    /// `{error, "Module.Type", "description"}`, naming the error.
    public static func from(_ error: any Error) -> Term {
        if let exit = error as? ProcessExit { return exit.reason }
        return .tuple([.atom(Atom.error), .string(String(reflecting: type(of: error))), .string(String(describing: error))])
    }

    /// Whether `reason` is a normal end, which supervisors and crash reports
    /// ignore: `normal`, `shutdown` or `{shutdown, _}`.
    public static func isNormal(_ reason: Term) -> Bool {
        if reason == .normal || reason == .atom(Atom.shutdown) { return true }
        if case .tuple(let e) = reason, e.count == 2, e[0] == .atom(Atom.shutdown) { return true }
        return false
    }
}
