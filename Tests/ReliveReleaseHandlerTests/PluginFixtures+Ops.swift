import Foundation
import ReliveCodeServer
import ReliveTestSupport

/// The instruction tests' plugin, application `opsapp` 1.0.0: two
/// gen_server modules `slow_a` and `slow_b` (state: their args; `hold` makes
/// one wait for `release` inside its callback, so system messages queue
/// behind it), a one_for_one supervisor `ops_sup` with child `a` (slow_a)
/// and `b` (slow_b), and an exported `slow_a:fail` that throws.
extension PluginFixtures {
    func opsApp() throws -> String {
        try custom("opsapp-1.0.0", app: "opsapp", vsn: "1.0.0", source: Self.opsSource)
    }

    static let opsSource = """
    import ReliveKit

    struct Slow: GenServerBehaviour {
        func initialize(_ args: Term, process: any ProcessContext) async throws -> GenServerStart<Term> { .ok(args) }
        func handleCall(_ request: Term, from: CallFrom, state: inout Term,
                        process: any ProcessContext) async throws -> GenServerCallResult { .reply(state) }
        func handleCast(_ request: Term, state: inout Term, process: any ProcessContext) async throws -> GenServerResult {
            if request == .atom("hold") {
                _ = try await process.receive(matching: { $0 == .atom("release") ? true : nil })
            }
            return .noreply
        }
    }

    struct OpsSup: SupervisorBehaviour {
        func initialize(_ args: Term) throws -> SupervisorSpec? {
            SupervisorSpec(flags: SupervisorFlags(strategy: .oneForOne, intensity: 5, period: .seconds(10)),
                           children: [ChildSpec(id: .atom("a"), start: .module("slow_a", args: .atom("a"))),
                                      ChildSpec(id: .atom("b"), start: .module("slow_b", args: .atom("b")))])
        }
    }
    enum Failure: Error { case asked }

    @_cdecl("relive_plugin_descriptor")
    public func reliveDescriptor() -> UnsafeMutableRawPointer {
        let plugin = Plugin(application: "opsapp", version: "1.0.0",
                            modules: [.genServer("slow_a", Slow()), .genServer("slow_b", Slow()), .supervisor("ops_sup", OpsSup())],
                            functions: [PluginFunction(module: "slow_a", name: "fail") { _ in throw Failure.asked }])
        return Unmanaged.passRetained(plugin as AnyObject).toOpaque()
    }
    """
}
