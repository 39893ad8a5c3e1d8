import Foundation

/// A small user project written by the tests: application `tiny` in three
/// versions (a registered gen_server under a supervisor), appups, three
/// releases of `tiny_rel`, in the layout `relive release build` reads.
struct TestProject {
    let root: String

    static func write() throws -> TestProject {
        let project = TestProject(root: try Tool.temporaryDirectory("project"))
        for vsn in ["1.0.0", "2.0.0", "3.0.0"] {
            try project.write("plugins/tiny/\(vsn)/Tiny.swift", TestProject.source(vsn: vsn))
            try project.write("plugins/tiny/\(vsn)/tiny.app", """
                {application, tiny, [{description, "tiny"}, {vsn, "\(vsn)"}, {modules, [tiny, tiny_sup]},
                  {registered, [tiny]}, {applications, []}, {mod, {tiny_sup, []}}, {env, []}]}.

                """)
        }
        for (vsn, olds) in [("2.0.0", ["1.0.0"]), ("3.0.0", ["2.0.0", "1.0.0"])] {
            let scripts = olds.map { "{\"\($0)\", [{update, tiny, {advanced, []}}]}" }.joined(separator: ", ")
            try project.write("appups/tiny-\(vsn).appup", "{\"\(vsn)\", [\(scripts)], [\(scripts)]}.\n")
        }
        for (n, vsn) in [("1", "1.0.0"), ("2", "2.0.0"), ("3", "3.0.0")] {
            try project.write("releases/tiny_rel-\(n).rel", """
                {release, {"tiny_rel", "\(n)"}, {erts, "relive-0.1.0"}, [{tiny, "\(vsn)"}]}.

                """)
        }
        try project.write("config/tiny_rel-2/sys.config", "[{tiny, [{greeting, \"hello\"}]}].\n")
        return project
    }

    func write(_ path: String, _ text: String) throws {
        let full = root + "/" + path
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: full, atomically: true, encoding: .utf8)
    }

    /// `relive release build` in this project, plugins unoptimised (faster).
    func build(_ arguments: [String]) throws -> Tool.Output {
        try Tool.run(["release", "build"] + arguments + ["--debug"], in: root)
    }

    /// A gen_server `tiny` answering `version` and `get`, under `tiny_sup`.
    static func source(vsn: String) -> String {
        """
        import ReliveKit

        struct Tiny: GenServerBehaviour {
            func initialize(_ args: Term, process: any ProcessContext) async throws -> GenServerStart<Term> { .ok(.int(0)) }
            func handleCall(_ request: Term, from: CallFrom, state: inout Term,
                            process: any ProcessContext) async throws -> GenServerCallResult {
                switch request {
                case .atom("version"): return .reply("\(vsn)")
                                case .atom("crash"): throw TinyFailure.asked
                default: return .reply(state)
                }
            }
        }
        enum TinyFailure: Error { case asked }

        struct TinySup: SupervisorBehaviour {
            func initialize(_ args: Term) throws -> SupervisorSpec? {
                SupervisorSpec(children: [ChildSpec(id: .atom("tiny"), start: .module("tiny", args: [], name: "tiny"))])
            }
        }

        @_cdecl("relive_plugin_descriptor")
        public func reliveDescriptor() -> UnsafeMutableRawPointer {
            Plugin.export(application: "tiny", version: "\(vsn)", modules: [
                .genServer("tiny", Tiny()),
                .supervisor("tiny_sup", TinySup()),
            ])
        }
        """
    }
}
