import ReliveKit

/// An application environment file (`sys.config`): one term, a list whose
/// elements are `{App, [{Key, Value}]}` or the name of another config file
/// (a string), as OTP allows.
public struct SysConfig: Sendable, Equatable {
    public var entries: [Entry]

    public init(entries: [Entry]) { self.entries = entries }

    public enum Entry: Sendable, Equatable {
        case application(Atom, [KeyValue])
        case include(String)
    }

    /// The environment given for `app` (the first entry wins, as in OTP).
    public func environment(of app: Atom) -> [KeyValue]? {
        for case .application(let name, let env) in entries where name == app { return env }
        return nil
    }
}
