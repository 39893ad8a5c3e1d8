/// The version of the kit's binary interface that plugins are built against.
///
/// A plugin records the version it was built with in its descriptor; the code
/// server refuses a plugin whose version differs, naming both. The kit is built
/// with library evolution, so additions (new functions, new protocol
/// requirements with defaults) keep the version; a change to a `@frozen` type
/// (`Term`, `Atom`, `Pid`, `Ref`, `NodeID`, the gen_server results
/// `GenServerResult`, `GenServerCallResult` and `GenServerNext`) or a removal
/// bumps it. Version 2: the gen_server results became `@frozen`, so the
/// loop reads them inline instead of through value witnesses. Version 3: the
/// receive requirements of ``ProcessContext`` and the call functions
/// (`GenericCall.call`, `GenServer.call`, `GenStatem.call`) are
/// `nonisolated(nonsending)`: they take the caller's isolation as a hidden
/// argument and stay on it, so a wait costs one executor check on
/// resumption instead of one per async frame it returns through. Version 4:
/// the message callbacks of ``GenServerBehaviour`` (`handleCall`,
/// `handleCast`, `handleInfo`, `handleContinue`) are `nonisolated(nonsending)`,
/// so a server runs them without an executor switch in and out; a plugin
/// built against version 3 would call them with the old convention (the
/// benchmark's cached plugin did, and crashed).
public enum KitABI {
    public static let version: Int = 4
}
