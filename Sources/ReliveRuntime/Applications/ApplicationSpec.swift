import ReliveKit

/// An application as its `.app` file describes it (in memory; the `.app`
/// reader lives with the release files).
public struct ApplicationSpec: Sendable {
    public var name: Atom
    public var version: String
    public var description: String
    /// The behaviour modules it ships.
    public var modules: [Atom]
    /// The names its processes register.
    public var registered: [Atom]
    /// The applications that must be running before it starts.
    public var applications: [Atom]
    /// The start module and its arguments (`{mod, {M, A}}`): an application
    /// module, or directly the top supervisor's module. Nil for a library
    /// application, which starts no processes.
    public var start: (module: Atom, args: Term)?
    /// Its environment (`{env, [...]}`).
    public var environment: [Atom: Term]

    public init(name: Atom, version: String, description: String = "", modules: [Atom] = [], registered: [Atom] = [],
                applications: [Atom] = [], start: (module: Atom, args: Term)? = nil, environment: [Atom: Term] = [:]) {
        self.name = name
        self.version = version
        self.description = description
        self.modules = modules
        self.registered = registered
        self.applications = applications
        self.start = start
        self.environment = environment
    }
}

/// What the node does when an application's processes end (OTP's start types).
public enum ApplicationType: String, Sendable {
    /// Its end, for any reason, stops the node.
    case permanent
    /// Its abnormal end stops the node; a normal end is only reported.
    case transient
    /// Its end is only reported.
    case temporary
}

/// Why an application operation failed; OTP's reasons.
public struct ApplicationError: Error, Sendable, Equatable, CustomStringConvertible {
    public let reason: Term
    public init(_ reason: Term) { self.reason = reason }
    public var description: String { "application error: \(reason)" }

    static func alreadyLoaded(_ app: Atom) -> Self { Self(.tuple([.atom("already_loaded"), .atom(app)])) }
    static func notLoaded(_ app: Atom) -> Self { Self(.tuple([.atom("not_loaded"), .atom(app)])) }
    static func notStarted(_ app: Atom) -> Self { Self(.tuple([.atom("not_started"), .atom(app)])) }
    static func alreadyStarted(_ app: Atom) -> Self { Self(.tuple([.atom("already_started"), .atom(app)])) }
    static func running(_ app: Atom) -> Self { Self(.tuple([.atom("running"), .atom(app)])) }
}
