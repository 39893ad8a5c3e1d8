/// The code of one behaviour module: what a plugin's descriptor lists, and
/// what the node's module table holds per module and version.
///
/// Not frozen: new behaviour kinds may be added without breaking plugins.
public enum ModuleCode: Sendable {
    case genServer(any GenServerBehaviour)
    case supervisor(any SupervisorBehaviour)
    case genStatem(any GenStatemBehaviour)
    /// A gen_event handler module (run inside event managers).
    case eventHandler(any GenEventHandler)
    case application(any ApplicationBehaviour)

    /// The behaviour the module implements.
    public var kind: BehaviourKind {
        switch self {
        case .genServer: .genServer
        case .supervisor: .supervisor
        case .genStatem: .genStatem
        case .eventHandler: .genEvent
        case .application: .application
        }
    }
}

/// The behaviours a module can implement, named as in OTP.
public enum BehaviourKind: String, Sendable, CaseIterable, CustomStringConvertible {
    case genServer = "gen_server"
    case genStatem = "gen_statem"
    case genEvent = "gen_event"
    case supervisor
    case application

    public var description: String { rawValue }
}
