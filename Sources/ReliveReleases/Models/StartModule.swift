import ReliveKit

/// `{mod, {Module, StartArgs}}` of a `.app` file.
public struct StartModule: Sendable, Hashable {
    public var module: Atom
    public var args: Term

    public init(module: Atom, args: Term) {
        self.module = module
        self.args = args
    }
}
