/// What a plugin (`<app>-<vsn>.so`) says about itself: the object its one C
/// entry point, ``PluginEntryPoint/symbol``, returns.
///
/// The code server checks ``abiVersion`` against ``KitABI/version`` before it
/// uses anything else, that ``application`` and ``version`` match the file
/// name, and that each module's code is of its declared kind.
public protocol PluginDescriptor: AnyObject, Sendable {
    /// The ``KitABI/version`` the plugin was built against.
    var abiVersion: Int { get }
    /// The application the plugin holds the code of.
    var application: String { get }
    /// The application's version.
    var version: String { get }
    /// The behaviour modules it provides.
    var modules: [PluginModule] { get }
    /// Functions a relup's `apply` instruction can call (`{apply, {M, F, A}}`).
    /// A requirement with a default (below), so descriptors built before it
    /// existed keep working under library evolution.
    var functions: [PluginFunction] { get }
}

extension PluginDescriptor {
    /// No functions exported.
    public var functions: [PluginFunction] { [] }
}

/// A function a plugin exports for `apply`: `Module:Function(Args)`, given
/// the argument list as one term and returning a term; a throw fails the apply.
public struct PluginFunction: Sendable {
    public let module: String
    public let name: String
    public let body: @Sendable (Term) throws -> Term

    public init(module: String, name: String, _ body: @escaping @Sendable (Term) throws -> Term) {
        self.module = module
        self.name = name
        self.body = body
    }
}

/// One behaviour module in a plugin: its name, its declared kind, and how to
/// make its code.
public struct PluginModule: Sendable {
    /// The module's name (an OTP module atom, e.g. `counter`).
    public let name: String
    /// The behaviour it declares; the code server checks the code against it.
    public let kind: BehaviourKind
    /// Makes the module's code (called once, at load).
    public let make: @Sendable () -> ModuleCode

    public init(name: String, kind: BehaviourKind, make: @escaping @Sendable () -> ModuleCode) {
        self.name = name
        self.kind = kind
        self.make = make
    }

    /// A gen_server module.
    public static func genServer(_ name: String, _ module: some GenServerBehaviour) -> PluginModule {
        PluginModule(name: name, kind: .genServer) { .genServer(module) }
    }

    /// A supervisor module.
    public static func supervisor(_ name: String, _ module: some SupervisorBehaviour) -> PluginModule {
        PluginModule(name: name, kind: .supervisor) { .supervisor(module) }
    }

    /// A gen_statem module.
    public static func genStatem(_ name: String, _ module: some GenStatemBehaviour) -> PluginModule {
        PluginModule(name: name, kind: .genStatem) { .genStatem(module) }
    }

    /// A gen_event handler module.
    public static func eventHandler(_ name: String, _ module: some GenEventHandler) -> PluginModule {
        PluginModule(name: name, kind: .genEvent) { .eventHandler(module) }
    }

    /// An application callback module.
    public static func application(_ name: String, _ module: some ApplicationBehaviour) -> PluginModule {
        PluginModule(name: name, kind: .application) { .application(module) }
    }
}

/// The descriptor most plugins need: fixed application, version and modules,
/// built against this kit's ABI version.
public final class Plugin: PluginDescriptor {
    public let abiVersion: Int
    public let application: String
    public let version: String
    public let modules: [PluginModule]
    public let functions: [PluginFunction]

    public init(application: String, version: String, modules: [PluginModule], abiVersion: Int = KitABI.version) {
        self.application = application
        self.version = version
        self.modules = modules
        self.functions = []
        self.abiVersion = abiVersion
    }

    public init(application: String, version: String, modules: [PluginModule], functions: [PluginFunction],
                abiVersion: Int = KitABI.version) {
        self.application = application
        self.version = version
        self.modules = modules
        self.functions = functions
        self.abiVersion = abiVersion
    }

    /// Returns a retained descriptor for the plugin's entry point:
    /// ```swift
    /// @_cdecl("relive_plugin_descriptor")
    /// public func reliveDescriptor() -> UnsafeMutableRawPointer {
    ///     Plugin.export(application: "counter", version: "2.0.0",
    ///                   modules: [.genServer("counter", Counter())])
    /// }
    /// ```
    public static func export(application: String, version: String, modules: [PluginModule],
                              functions: [PluginFunction] = []) -> UnsafeMutableRawPointer {
        Unmanaged.passRetained(Plugin(application: application, version: version, modules: modules,
                                      functions: functions) as AnyObject).toOpaque()
    }
}

/// The C entry point every plugin exports.
///
/// The host takes the retained object and casts it to ``PluginDescriptor``.
public enum PluginEntryPoint {
    /// The symbol's name.
    public static let symbol = "relive_plugin_descriptor"
    /// The symbol's type.
    public typealias Function = @convention(c) () -> UnsafeMutableRawPointer
}
