import ReliveKit

/// An application resource file (`Name.app`):
/// `{application, Name, [{vsn, Vsn}, {modules, Mods}, ...]}`.
///
/// In Relive an application's modules are the behaviour modules of its plugin,
/// and the application's vsn names the plugin version ("object code").
public struct ApplicationResource: Sendable, Equatable {
    public var name: Atom
    public var vsn: String
    public var description: String
    public var id: String?
    public var modules: [Atom]
    public var registered: [Atom]
    /// Applications that must be started before this one.
    public var applications: [Atom]
    public var optionalApplications: [Atom]
    public var includedApplications: [Atom]
    /// The application callback module and its start argument (`{mod, {M, Args}}`).
    public var mod: StartModule?
    public var env: [KeyValue]
    public var startPhases: Term?
    public var maxT: Term?
    public var maxP: Term?
    /// Keys this model does not interpret, kept so that writing back loses nothing.
    public var extra: [KeyValue]

    public init(name: Atom, vsn: String, description: String = "", id: String? = nil,
                modules: [Atom] = [], registered: [Atom] = [], applications: [Atom] = [],
                optionalApplications: [Atom] = [], includedApplications: [Atom] = [],
                mod: StartModule? = nil, env: [KeyValue] = [], startPhases: Term? = nil,
                maxT: Term? = nil, maxP: Term? = nil, extra: [KeyValue] = []) {
        self.name = name
        self.vsn = vsn
        self.description = description
        self.id = id
        self.modules = modules
        self.registered = registered
        self.applications = applications
        self.optionalApplications = optionalApplications
        self.includedApplications = includedApplications
        self.mod = mod
        self.env = env
        self.startPhases = startPhases
        self.maxT = maxT
        self.maxP = maxP
        self.extra = extra
    }
}
