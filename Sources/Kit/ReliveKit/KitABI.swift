/// The version of the kit's binary interface that plugins are built against.
///
/// A plugin records the version it was built with in its descriptor; the code
/// server refuses a plugin whose version differs, naming both. The kit is built
/// with library evolution, so additions (new functions, new protocol
/// requirements with defaults) keep the version; a change to a `@frozen` type
/// (`Term`, `Atom`, `Pid`, `Ref`, `NodeID`, the gen_server results
/// `GenServerResult`, `GenServerCallResult` and `GenServerNext`) or a removal
/// bumps it. Version 2: the gen_server results became `@frozen`, so the
/// loop reads them inline instead of through value witnesses.
public enum KitABI {
    public static let version: Int = 2
}
