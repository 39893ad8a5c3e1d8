import Foundation
import ReliveCodeServer
import ReliveKit
@_spi(Testing) import ReliveReleaseHandler
import ReliveReleases
import ReliveRuntime
import Synchronization
import ReliveTestSupport
import Testing

/// A real two-application release (the example counter, txapp) with
/// thousands of processes, upgraded and downgraded by the release handler:
/// every process's version and transformed state checked, and casts sent
/// to the counters while they are suspended all handled, in order, after.
@Suite(.serialized) struct TwoApplicationReleaseTests {
    static let counters = 2000
    static let servers = 1000
    static let casts = 3

    static func makeRoot() async throws -> String {
        let root = try await InstallRoot.make()
        let fm = FileManager.default
        for vsn in ["1.0.0", "2.0.0"] {
            let lib = "\(root)/lib/counter-\(vsn)"
            try fm.createDirectory(atPath: lib + "/ebin", withIntermediateDirectories: true)
            try fm.copyItem(atPath: try await PluginFixtures.shared.fixture("counter", vsn), toPath: "\(lib)/counter-\(vsn).so")
            let app = ApplicationResource(name: "counter", vsn: vsn, modules: ["counter", "counter_sup", "counter_pool"])
            try TermFile.write([app.term], to: "\(lib)/ebin/counter.app")
            let rel = ReleaseSpec(name: "txrel", vsn: vsn, runtimeVsn: "1",
                                  applications: [.init(name: "counter", vsn: vsn), .init(name: "txapp", vsn: vsn)])
            try TermFile.write([rel.term], to: "\(root)/releases/\(vsn)/txrel.rel")
        }
        func loadObject(_ app: String, _ vsn: String, _ mods: [String]) -> Term {
            .tuple([.atom("load_object_code"), .tuple([.atom(Atom(app)), .string(vsn), .list(mods.map { .atom(Atom($0)) })])])
        }
        let mods: [Term] = [.atom("counter_pool"), .atom("counter"), .atom("tx_server")]
        let loads: [Term] = mods.map { .tuple([.atom("load"), .tuple([$0, .atom("brutal_purge"), .atom("brutal_purge")])]) }
        // As systools writes it: one suspend/code_change/resume group per module.
        func groups(_ direction: String) -> [Term] {
            mods.flatMap { m -> [Term] in
                [.tuple([.atom("suspend"), .list([m])]),
                 .tuple([.atom("code_change"), .atom(Atom(direction)), .list([.tuple([m, .list([])])])]),
                 .tuple([.atom("resume"), .list([m])])]
            }
        }
        let up = [loadObject("counter", "2.0.0", ["counter", "counter_sup", "counter_pool"]), loadObject("txapp", "2.0.0", ["tx_server"]),
                  .atom("point_of_no_return")] + loads + groups("up")
        let down = [loadObject("counter", "1.0.0", ["counter", "counter_sup", "counter_pool"]), loadObject("txapp", "1.0.0", ["tx_server"]),
                    .atom("point_of_no_return")] + groups("down") + loads
        try Relup(vsn: "2.0.0", up: [.init(vsn: "1.0.0", instructions: up)], down: [.init(vsn: "1.0.0", instructions: down)])
            .write(to: "\(root)/releases/2.0.0/relup")
        return root
    }

    @Test func upgradeAndDowngradeWithThousandsOfProcessesLoseNoMessage() async throws {
        let root = try await Self.makeRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let node = Node(name: "big@test")
        defer { node.shutdown() }
        try await node.run { p in
            let code = CodeServer(node: node)
            try code.load(pluginAt: "\(root)/lib/counter-1.0.0/counter-1.0.0.so")
            try code.load(pluginAt: "\(root)/lib/txapp-1.0.0/txapp-1.0.0.so")
            let pool = try #require(try await Supervisor.start("counter_pool", name: "counter_pool", link: false, from: p).pid)
            var counters: [Pid] = []
            for i in 0..<Self.counters {
                counters.append(try #require(try await Supervisor.startChild(pool, extraArgs: [.int(i)], process: p)))
            }
            var servers: [Pid] = []
            for n in 0..<Self.servers {
                servers.append(try #require(try await GenServer.start("tx_server", args: .int(n), link: false, from: p).pid))
            }
            let handler = try ReleaseHandler(node: node, code: code, configuration: .init(root: root))
            try handler.adoptInitialRelease("1.0.0")
            try handler.recordUnpacked("2.0.0")

            // While every counter is suspended, each is sent `casts` incs: they wait, in order.
            let allCounters = counters
            let sent = Mutex(false)
            let report = try await handler.install("2.0.0", from: p, configure: { evaluator in
                evaluator.beforeRound = { phase in
                    // Once, before the first code-change round (all of them are suspended by then).
                    guard phase == .changeCode, sent.withLock({ s in defer { s = true }; return !s }) else { return }
                    for pid in allCounters { for _ in 0..<Self.casts { GenServer.cast(pid, .atom("inc")) } }
                }
            })
            #expect(report.evaluation.processes == Self.counters + Self.servers + 1)
            #expect(report.evaluation.resumeFailures.isEmpty)
            let suspends = report.evaluation.steps.filter { $0.instruction.hasPrefix("{suspend") }.count
            #expect(suspends == 3)
            for (i, pid) in counters.enumerated() {
                #expect(try await GenServer.call(pid, .atom("version"), process: p) == "2.0.0")
                // The casts ran on 2.0.0, in order: the history is the counts before each.
                #expect(try await GenServer.call(pid, .atom("history"), process: p) == .list((i..<(i + Self.casts)).map(Term.int)))
                #expect(try await GenServer.call(pid, .atom("get"), process: p) == .int(i + Self.casts))
            }
            for (n, pid) in servers.enumerated() {
                #expect(try await Sys.getState(pid, process: p) == .tuple([.atom("v2"), .int(n)]))
            }
            #expect(node.modules.users(of: Atom("counter")).allSatisfy { $0.version == "2.0.0" })

            _ = try await handler.install("1.0.0", from: p)
            for (i, pid) in counters.enumerated() {
                #expect(try await GenServer.call(pid, .atom("version"), process: p) == "1.0.0")
                #expect(try await GenServer.call(pid, .atom("get"), process: p) == .int(i + Self.casts))
            }
            for (n, pid) in servers.enumerated() {
                #expect(try await Sys.getState(pid, process: p) == .int(n))
            }
            #expect(node.modules.current("counter")?.version == "1.0.0")
            #expect(node.modules.current("tx_server")?.version == "1.0.0")
        }
    }
}
