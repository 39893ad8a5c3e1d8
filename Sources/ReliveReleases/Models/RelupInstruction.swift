import ReliveKit

/// One low-level instruction of a relup script, typed, for the script
/// evaluator. ``Relup`` keeps instructions as terms (so relups stay
/// interchangeable with OTP's); `RelupInstruction(term:)` reads one and
/// `term` writes it back unchanged.
public enum RelupInstruction: Sendable, Equatable {
    /// Load (but do not yet make current) the named modules of an application version's plugin.
    case loadObjectCode(application: Atom, vsn: String, modules: [Atom])
    case pointOfNoReturn
    /// Make the loaded code of a module current.
    case load(module: Atom, prePurge: PurgeMethod, postPurge: PurgeMethod)
    /// Make a module's current code old (it is deleted).
    case remove(module: Atom, prePurge: PurgeMethod, postPurge: PurgeMethod)
    case purge(modules: [Atom])
    /// Suspend the processes running each module (each with its own timeout).
    case suspend([SuspendTarget])
    case resume(modules: [Atom])
    /// `code_change` (mode nil: the two-element form, which OTP runs as `up`).
    case codeChange(mode: ScriptMode?, changes: [CodeChange])
    case stop(modules: [Atom])
    case start(modules: [Atom])
    case syncNodes(id: Term, nodes: SyncNodes)
    case apply(module: Atom, function: Atom, arguments: [Term])
    case restartNewEmulator
    case restartEmulator
    /// `restart` and `reboot`: accepted by systools' syntax check, kept as written.
    case other(Atom)

    /// How a module's old code is purged.
    public enum PurgeMethod: String, Sendable, Hashable {
        case softPurge = "soft_purge"
        case brutalPurge = "brutal_purge"
    }

    /// How long to wait for a process to answer.
    public enum Timeout: Sendable, Hashable {
        case `default`, infinity
        case milliseconds(Int)
    }

    /// A module whose processes are suspended, and how long to wait for each.
    public struct SuspendTarget: Sendable, Hashable {
        public var module: Atom
        /// nil: the module was written alone (the default timeout).
        public var timeout: Timeout?

        public init(module: Atom, timeout: Timeout? = nil) {
            self.module = module
            self.timeout = timeout
        }
    }

    /// `{Module, Extra}` of a code change.
    public struct CodeChange: Sendable, Hashable {
        public var module: Atom
        public var extra: Term

        public init(module: Atom, extra: Term) {
            self.module = module
            self.extra = extra
        }
    }

    /// The nodes of `sync_nodes`: a list, or a function that returns it.
    public enum SyncNodes: Sendable, Hashable {
        case nodes([Atom])
        case function(module: Atom, function: Atom, arguments: [Term])
    }
}
