import Foundation
import ReliveCodeServer
import ReliveTestSupport

/// The sys.config tests' plugin, application `cfgapp` (1.0.0 and 2.0.0): an
/// application module `cfgapp` whose `configChange` tells `cfg_server` what
/// changed (and which version's callback ran), a top supervisor `cfg_sup`,
/// and `cfg_server` (registered), which answers `greeting` with the
/// application's environment value and `last_change` with the last
/// `{config_change, Vsn, Changed, New, Removed}` it was told (`none` before).
/// `cfg_server:fail` (exported) throws.
extension PluginFixtures {
    func configApp(_ vsn: String) throws -> String {
        try custom("cfgapp-" + vsn, app: "cfgapp", vsn: vsn, source: Self.configSource(vsn))
    }

    static func configSource(_ vsn: String) -> String {
        """
        import ReliveKit

        struct App: ApplicationBehaviour {
            func start(type: Term, args: Term, process: any ProcessContext) async throws -> ApplicationStarted {
                guard let sup = try await process.startLink("cfg_sup").pid else { throw Failure.noSupervisor }
                return ApplicationStarted(supervisor: sup)
            }
            func configChange(changed: [Atom: Term], new: [Atom: Term], removed: [Atom],
                              process: any ProcessContext) async throws {
                func pairs(_ d: [Atom: Term]) -> Term {
                    .list(d.sorted { $0.key.name < $1.key.name }.map { .tuple([.atom($0.key), $0.value]) })
                }
                try process.send(.tuple([.atom("config_change"), .string("\(vsn)"), pairs(changed), pairs(new),
                                         .list(removed.map { .atom($0) })]), to: Atom("cfg_server"))
            }
        }

        struct Sup: SupervisorBehaviour {
            func initialize(_ args: Term) throws -> SupervisorSpec? {
                SupervisorSpec(flags: SupervisorFlags(strategy: .oneForOne, intensity: 5, period: .seconds(10)),
                               children: [ChildSpec(id: .atom("cfg_server"), start: .module("cfg_server", args: .list([]), name: "cfg_server"))])
            }
        }

        struct Server: GenServerBehaviour {
            func initialize(_ args: Term, process: any ProcessContext) async throws -> GenServerStart<Term> { .ok(.atom("none")) }
            func handleCall(_ request: Term, from: CallFrom, state: inout Term,
                            process: any ProcessContext) async throws -> GenServerCallResult {
                switch request {
                case .atom("greeting"): return .reply(process.environment("cfgapp", "greeting") ?? .atom("undefined"))
                case .atom("version"): return .reply("\(vsn)")
                default: return .reply(state)
                }
            }
            func handleInfo(_ message: Term, state: inout Term, process: any ProcessContext) async throws -> GenServerResult {
                if case .tuple(let e) = message, e.first == .atom("config_change") { state = message }
                return .noreply
            }
        }
        enum Failure: Error { case noSupervisor, asked }

        @_cdecl("relive_plugin_descriptor")
        public func reliveDescriptor() -> UnsafeMutableRawPointer {
            let plugin = Plugin(application: "cfgapp", version: "\(vsn)",
                                modules: [.application("cfgapp", App()), .supervisor("cfg_sup", Sup()), .genServer("cfg_server", Server())],
                                functions: [PluginFunction(module: "cfg_server", name: "fail") { _ in throw Failure.asked }])
            return Unmanaged.passRetained(plugin as AnyObject).toOpaque()
        }
        """
    }
}
