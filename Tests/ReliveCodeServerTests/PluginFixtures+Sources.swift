import ReliveTestSupport

/// The code-server suites' plugin sources.
extension PluginFixtures {
    /// A plugin source with one gen_server module, as `app` `vsn`.
    static func genServerPlugin(app: String, vsn: String, module: String, declare: String = "genServer",
                                abi: String = "KitABI.version", entry: String = "relive_plugin_descriptor",
                                reply: String = "\"hello\"") -> String {
        """
        import ReliveKit

        struct Echo: GenServerBehaviour {
            func initialize(_ args: Term, process: any ProcessContext) async throws -> GenServerStart<Term> { .ok(args) }
            func handleCall(_ request: Term, from: CallFrom, state: inout Term,
                            process: any ProcessContext) async throws -> GenServerCallResult {
                if request == .atom("throw") { throw Failure.thrown }
                return .reply(\(reply))
            }
        }
        enum Failure: Error { case thrown }

        struct Sup: SupervisorBehaviour {
            func initialize(_ args: Term) throws -> SupervisorSpec? { SupervisorSpec(children: []) }
        }

        @_cdecl("\(entry)")
        public func reliveDescriptor() -> UnsafeMutableRawPointer {
            let module: PluginModule = "\(declare)" == "genServer"
                ? .genServer("\(module)", Echo())
                : PluginModule(name: "\(module)", kind: .supervisor) { .genServer(Echo()) }
            return Unmanaged.passRetained(Plugin(application: "\(app)", version: "\(vsn)", modules: [module],
                                                 abiVersion: \(abi)) as AnyObject).toOpaque()
        }
        """
    }
}
