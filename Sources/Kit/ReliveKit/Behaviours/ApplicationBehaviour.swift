/// The callbacks of an application's start module (OTP's `application`
/// behaviour): start the application's top supervisor, and clean up at stop.
///
/// An application whose start module is a supervisor module needs none of
/// this: the application master starts that supervisor directly.
public protocol ApplicationBehaviour: Sendable {
    /// `start/2`: starts the application's process tree, linked to the caller
    /// (the application master), usually with `process.startLink(topSupervisor)`.
    /// - Returns: the top supervisor's pid and a state kept for ``stop(state:process:)``.
    func start(type: Term, args: Term, process: any ProcessContext) async throws -> ApplicationStarted

    /// `prep_stop/1`: called before the tree is shut down.
    func prepareStop(state: Term, process: any ProcessContext) async -> Term

    /// `stop/1`: called after the tree is shut down.
    func stop(state: Term, process: any ProcessContext) async

    /// `config_change/3`: called after a release install changed the
    /// application's environment (the new release's `sys.config` and
    /// `.app`), on the new release's code, with the environment already updated.
    /// - Parameters:
    ///   - changed: keys whose value changed, with the new value.
    ///   - new: keys the environment did not have, with their value.
    ///   - removed: keys the environment no longer has.
    ///   - process: the process installing the release (not one of the application's).
    /// - Throws: to report a failure; the release stays installed (as in OTP,
    ///   where install_release ignores config_change's answer) and the error is reported.
    func configChange(changed: [Atom: Term], new: [Atom: Term], removed: [Atom],
                      process: any ProcessContext) async throws
}

extension ApplicationBehaviour {
    public func prepareStop(state: Term, process: any ProcessContext) async -> Term { state }
    public func stop(state: Term, process: any ProcessContext) async {}
    /// By default an application ignores configuration changes (OTP: not exported).
    public func configChange(changed: [Atom: Term], new: [Atom: Term], removed: [Atom],
                             process: any ProcessContext) async throws {}
}

/// What an application's `start/2` returns: `{ok, Pid, State}`.
public struct ApplicationStarted: Sendable {
    public let supervisor: Pid
    public let state: Term

    public init(supervisor: Pid, state: Term = .list([])) {
        self.supervisor = supervisor
        self.state = state
    }
}
