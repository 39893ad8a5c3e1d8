/// The callback of a supervisor module: `init/1`, which returns the
/// supervisor's flags and its children's specifications.
///
/// `init` runs again at a code change (`sys:change_code`), and the
/// supervisor takes the new flags and specs from it, as OTP's do.
public protocol SupervisorBehaviour: Sendable {
    /// `init/1`.
    /// - Returns: the flags and child specs, or nil for `ignore`.
    func initialize(_ args: Term) throws -> SupervisorSpec?
}

/// A supervisor's flags and children.
public struct SupervisorSpec: Sendable {
    public var flags: SupervisorFlags
    public var children: [ChildSpec]

    public init(flags: SupervisorFlags = SupervisorFlags(), children: [ChildSpec]) {
        self.flags = flags
        self.children = children
    }
}

/// How a supervisor restarts its children.
public struct SupervisorFlags: Sendable, Equatable {
    @frozen public enum Strategy: String, Sendable {
        case oneForOne = "one_for_one"
        case oneForAll = "one_for_all"
        case restForOne = "rest_for_one"
        case simpleOneForOne = "simple_one_for_one"
    }

    public var strategy: Strategy
    /// At most `intensity` restarts within `period`; past it the supervisor
    /// stops all children and exits with `shutdown`.
    public var intensity: Int
    public var period: Duration

    public init(strategy: Strategy = .oneForOne, intensity: Int = 1, period: Duration = .seconds(5)) {
        self.strategy = strategy
        self.intensity = intensity
        self.period = period
    }
}

/// One child of a supervisor.
public struct ChildSpec: Sendable {
    /// When a child is restarted.
    @frozen public enum Restart: String, Sendable {
        /// Always.
        case permanent
        /// Only after an abnormal exit (not `normal`, `shutdown`, `{shutdown, _}`).
        case transient
        /// Never.
        case temporary
    }

    /// How a child is stopped.
    @frozen public enum Shutdown: Sendable, Equatable {
        /// `exit(Child, kill)` at once.
        case brutalKill
        /// `exit(Child, shutdown)`, then `kill` after the timeout.
        case timeout(Duration)
        /// `exit(Child, shutdown)` and wait for ever (the default for supervisors).
        case infinity
    }

    @frozen public enum ChildType: String, Sendable {
        case worker, supervisor
    }

    /// How to start the child.
    public enum Start: Sendable {
        /// A behaviour module from the node's module table, started linked
        /// (gen_server or supervisor), with these arguments.
        case module(Atom, args: Term, name: Atom? = nil)
        /// Any function that starts a process linked to the caller and
        /// returns its pid (or nil for `ignore`). For processes that are not
        /// behaviours; they cannot be changed by the sys protocol.
        case function(@Sendable (any ProcessContext, _ extraArgs: [Term]) async throws -> Pid?)
    }

    public var id: Term
    public var start: Start
    public var restart: Restart
    public var shutdown: Shutdown
    public var type: ChildType
    /// The modules the child runs, for the release handler (OTP's `modules`).
    public var modules: [Atom]

    /// A child spec with OTP's defaults: permanent, 5 s shutdown for
    /// workers and infinity for supervisors, modules = the start module.
    public init(id: Term, start: Start, restart: Restart = .permanent, shutdown: Shutdown? = nil,
                type: ChildType = .worker, modules: [Atom]? = nil) {
        self.id = id
        self.start = start
        self.restart = restart
        self.type = type
        self.shutdown = shutdown ?? (type == .supervisor ? .infinity : .timeout(.seconds(5)))
        if let modules {
            self.modules = modules
        } else if case .module(let module, _, _) = start {
            self.modules = [module]
        } else {
            self.modules = []
        }
    }
}
