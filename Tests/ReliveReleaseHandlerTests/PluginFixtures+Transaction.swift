import Foundation
import ReliveCodeServer
import ReliveTestSupport

/// The release-handler suites' plugin sources.
extension PluginFixtures {
    /// The transaction tests' server, `tx_server` of application `txapp`:
    /// 1.0.0 keeps an Int `n`; 2.0.0 keeps `{v2, n}` and its code_change
    /// obeys Extra: `{throw, N}` throws and `{hang, N, Ms}` blocks for the
    /// process whose n is N.
    func txServer(_ vsn: String) throws -> String {
        try custom("txapp-" + vsn, app: "txapp", vsn: vsn, source: Self.txSource(vsn))
    }

    /// A broken txapp 2.0.0: `abi` built for another kit ABI version, or
    /// `descriptor` saying it is another application.
    func brokenTxServer(_ how: String) throws -> String {
        try custom("txapp-broken-" + how, app: "txapp", vsn: "2.0.0",
                   source: Self.txSource("2.0.0", descriptorApp: how == "descriptor" ? "other" : "txapp",
                                         abi: how == "abi" ? "KitABI.version + 1" : "KitABI.version"))
    }

    static func txSource(_ vsn: String, descriptorApp: String = "txapp", abi: String = "KitABI.version") -> String {
        let v2 = vsn != "1.0.0"
        return """
        import Foundation
        import ReliveKit

        struct Server: GenServerBehaviour {
            func initialize(_ args: Term, process: any ProcessContext) async throws -> GenServerStart<Term> {
                .ok(\(v2 ? "Term.tuple([.atom(\"v2\"), args])" : "args"))
            }
            func handleCall(_ request: Term, from: CallFrom, state: inout Term,
                            process: any ProcessContext) async throws -> GenServerCallResult {
                if request == .atom("version") { return .reply("\(vsn)") }
                return .reply(state)
            }
            func handleCast(_ request: Term, state: inout Term, process: any ProcessContext) async throws -> GenServerResult {
                if case .tuple(let e) = request, e.count == 2, e[0] == .atom("block"), let ms = e[1].intValue {
                    usleep(UInt32(ms * 1000))
                }
                return .noreply
            }
            func codeChange(oldVersion: Term, state: Term, extra: Term) throws -> Term {
                let n: Term
                if case .tuple(let e) = state, e.count == 2 { n = e[1] } else { n = state }
                for directive in extra.listElements ?? [] {
                    guard case .tuple(let d) = directive, d.count >= 2, d[1] == n else { continue }
                    if d[0] == .atom("throw") { throw Refused.refused }
                    if d[0] == .atom("hang"), d.count == 3, let ms = d[2].intValue { usleep(UInt32(ms * 1000)) }
                }
                return \(v2 ? "Term.tuple([.atom(\"v2\"), n])" : "n")
            }
        }
        enum Refused: Error { case refused }

        @_cdecl("relive_plugin_descriptor")
        public func reliveDescriptor() -> UnsafeMutableRawPointer {
            let plugin = Plugin(application: "\(descriptorApp)", version: "\(vsn)", modules: [.genServer("tx_server", Server())],
                                functions: [
                                    PluginFunction(module: "tx_server", name: "fail") { _ in throw Refused.refused },
                                    PluginFunction(module: "tx_server", name: "echo") { $0 },
                                ], abiVersion: \(abi))
            return Unmanaged.passRetained(plugin as AnyObject).toOpaque()
        }
        """
    }
}
