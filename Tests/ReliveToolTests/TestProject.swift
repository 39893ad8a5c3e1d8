import Foundation
import Glibc

/// A small user project written by the tests: application `tiny` in four
/// versions (a registered gen_server under a supervisor), appups, four
/// releases of `tiny_rel` on this host and two on other hosts, in the layout
/// `relive release build` reads.
/// 3.0.0's code_change throws (a failing upgrade); 4.0.0 installs cleanly
/// and, once `tiny` crashed one time, crash-loops (its supervisor tolerates it).
struct TestProject {
    let root: String

    static func write() throws -> TestProject {
        let project = TestProject(root: try Tool.temporaryDirectory("project"))
        for vsn in ["1.0.0", "2.0.0", "3.0.0", "4.0.0"] {
            try project.write("plugins/tiny/\(vsn)/Tiny.swift", TestProject.source(vsn: vsn))
            try project.write("plugins/tiny/\(vsn)/tiny.app", """
                {application, tiny, [{description, "tiny"}, {vsn, "\(vsn)"}, {modules, [tiny, tiny_sup]},
                  {registered, [tiny]}, {applications, []}, {mod, {tiny_sup, []}}, {env, []}]}.

                """)
        }
        for (vsn, olds) in [("2.0.0", ["1.0.0"]), ("3.0.0", ["2.0.0", "1.0.0"]), ("4.0.0", ["2.0.0"])] {
            // Every module of the plugin is covered (a new plugin is a new
            // version of each): 4.0.0's supervisor flags tolerate the crash loop.
            let scripts = olds.map { "{\"\($0)\", [{update, tiny, {advanced, []}}, {update, tiny_sup, supervisor}]}" }.joined(separator: ", ")
            try project.write("appups/tiny-\(vsn).appup", "{\"\(vsn)\", [\(scripts)], [\(scripts)]}.\n")
        }
        for (n, vsn) in [("1", "1.0.0"), ("2", "2.0.0"), ("3", "3.0.0"), ("4", "4.0.0")] {
            try project.write("releases/tiny_rel-\(n).rel", """
                {release, {"tiny_rel", "\(n)"}, {erts, "relive-0.1.0"}, [{tiny, "\(vsn)"}]}.

                """)
        }
        // Releases on other hosts (see ``hosts``): 5 runs tiny 3.0.0 on 0.2.0, 6 tiny 2.0.0 on 0.3.0.
        for (n, vsn, host) in [("5", "3.0.0", "relive-0.2.0"), ("6", "2.0.0", "relive-0.3.0")] {
            try project.write("releases/tiny_rel-\(n).rel", """
                {release, {"tiny_rel", "\(n)"}, {erts, "\(host)"}, [{tiny, "\(vsn)"}]}.

                """)
        }
        // Hosts, as `release build --host` takes them: relive-0.2.0 is this
        // build's relive standing in for another host (the test-only
        // RELIVE_TEST_HOST_VERSION); relive-0.3.0 names itself and cannot boot.
        try project.write("hosts/relive-0.2.0/bin/relive", """
            #!/bin/sh
            RELIVE_TEST_HOST_VERSION=relive-0.2.0 exec '\(Tool.executable)' "$@"

            """)
        try project.write("hosts/relive-0.3.0/bin/relive", """
            #!/bin/sh
            if [ "$1" = host-version ]; then echo relive-0.3.0; exit 0; fi
            echo "relive-0.3.0: this host cannot boot" >&2
            exit 1

            """)
        for host in ["relive-0.2.0", "relive-0.3.0"] { chmod(project.root + "/hosts/\(host)/bin/relive", 0o755) }
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
        // 3.0.0: the upgrade fails on the state it finds.
        let codeChange = vsn != "3.0.0" ? "" : """
                func codeChange(oldVersion: Term, state: Term, extra: Term) throws -> Term { throw TinyFailure.badState }
            """
        // 4.0.0: every restarted `tiny` crashes again 200 ms after its init.
        let start = vsn != "4.0.0" ? "" : """
                    if args == .atom("restarted") { _ = process.sendAfter(.milliseconds(200), .atom("crash"), to: process.pid) }
            """
        let flags = vsn == "4.0.0" ? "SupervisorFlags(intensity: 1000, period: .seconds(10))" : "SupervisorFlags()"
        let childArgs: String = vsn == "4.0.0" ? ".atom(\"restarted\")" : "[]"
        return """
        import ReliveKit

        struct Tiny: GenServerBehaviour {
            func initialize(_ args: Term, process: any ProcessContext) async throws -> GenServerStart<Term> {
        \(start)
                return .ok(.int(0))
            }
            func handleCall(_ request: Term, from: CallFrom, state: inout Term,
                            process: any ProcessContext) async throws -> GenServerCallResult {
                switch request {
                case .atom("version"): return .reply("\(vsn)")
                case .atom("crash"): throw TinyFailure.asked
                default: return .reply(state)
                }
            }
            func handleInfo(_ message: Term, state: inout Term, process: any ProcessContext) async throws -> GenServerResult {
                if message == .atom("crash") && "\(vsn)" == "4.0.0" { throw TinyFailure.loop }
                return .noreply
            }
        \(codeChange)
        }
        enum TinyFailure: Error { case asked, loop, badState }

        struct TinySup: SupervisorBehaviour {
            func initialize(_ args: Term) throws -> SupervisorSpec? {
                SupervisorSpec(flags: \(flags),
                               children: [ChildSpec(id: .atom("tiny"), start: .module("tiny", args: \(childArgs), name: "tiny"))])
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
