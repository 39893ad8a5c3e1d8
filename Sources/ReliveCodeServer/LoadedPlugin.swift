import ReliveKit
import ReliveRuntime

/// A plugin the code server has loaded: its file, the modules it registered
/// and the functions it exports (for relup `apply`), all taken from the
/// descriptor of the one file that was checked.
public struct LoadedPlugin: Sendable, CustomStringConvertible {
    public let application: String
    public let version: String
    public let path: String
    public let modules: [LoadedModule]
    public let functions: [PluginFunction]

    public init(application: String, version: String, path: String, modules: [LoadedModule], functions: [PluginFunction] = []) {
        self.application = application
        self.version = version
        self.path = path
        self.modules = modules
        self.functions = functions
    }

    public var description: String { "\(application)-\(version) (\(path))" }
}
