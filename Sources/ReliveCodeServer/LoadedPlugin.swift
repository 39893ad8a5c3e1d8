import ReliveKit
import ReliveRuntime

/// A plugin the code server has loaded: its file and the modules it registered.
public struct LoadedPlugin: Sendable, CustomStringConvertible {
    public let application: String
    public let version: String
    public let path: String
    public let modules: [LoadedModule]

    public var description: String { "\(application)-\(version) (\(path))" }
}
