@_spi(Runtime) import ReliveKit

/// What every behaviour process (gen_server, supervisor, …) exposes to the
/// shared system-message handling: its module, its state as a Term, and how
/// it changes code.
///
/// Implementations are generic over the module type, so callbacks are
/// statically dispatched and state keeps its Swift type while one version
/// runs; a code change builds a new core around the new module.
protocol BehaviourCore: AnyObject, Sendable {
    /// The module version the process runs.
    var module: LoadedModule { get }
    /// `gen_server`, `supervisor`, …
    var behaviour: BehaviourKind { get }
    /// The state as the module exports it.
    func exportState() -> Term
    /// `sys:replace_state`: the same module with the state read from `term`.
    func replacingState(with term: Term) throws -> any BehaviourCore
    /// A core running `newModule`, its state built by the new code from
    /// this core's exported state.
    func changingCode(to newModule: LoadedModule, oldVersion: Term, extra: Term,
                      process: LocalProcess) async throws -> any BehaviourCore
    /// The state as `sys:get_status` shows it.
    func formatStatus() -> Term
    /// Every module whose code the process runs; the module table lists the
    /// process as a user of each. Default: ``module``. (A gen_event manager
    /// runs its handlers' modules.)
    var modules: [LoadedModule] { get }
    /// Whether `sys:change_code` for module `name` concerns this process.
    /// Default: `name` is ``module``'s. (A gen_event manager: it holds a
    /// handler of module `name`.)
    func runs(_ name: Atom) -> Bool
    /// This core as a gen_server's, or nil: what the gen_server loop asks of
    /// the core a code change swapped in, by a witness call rather than a
    /// dynamic cast (a conformance lookup per process per change).
    var asGenServer: (any GenServerDriving)? { get }
}

extension BehaviourCore {
    var modules: [LoadedModule] { [module] }
    func runs(_ name: Atom) -> Bool { module.name == name }
    var asGenServer: (any GenServerDriving)? { nil }
}

/// A module of the wrong kind was given to a behaviour.
struct WrongBehaviour: Error, CustomStringConvertible {
    let module: LoadedModule
    let expected: BehaviourKind
    var description: String { "\(module) is a \(module.code.kind) module, not a \(expected) module" }
}
