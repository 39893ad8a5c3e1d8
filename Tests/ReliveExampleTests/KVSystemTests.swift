import Foundation
import ReliveCodeServer
import ReliveKit
import ReliveReleaseHandler
import ReliveRuntime
import ReliveTCP
import ReliveTestSupport
import Testing

/// The example system (kv_store and kv_front from `plugins/`) on a real node
/// with a real client on loopback: its protocol, its live upgrade 1.0.0 →
/// 2.0.0 and back with the client's session kept, 3.0.0's failing
/// code_change rolled back, 3.0.1's janitor crash-looping without a failed
/// request, and its logs replayed by fresh shards.
@Suite(.serialized) struct KVSystemTests {
    static let storeModules: [Atom] = ["kv_store_sup", "kv_janitor_sup", "kv_shard", "kv_janitor"]
    static let frontModules: [Atom] = ["kv_front_sup", "kv_session_sup", "kv_listener", "kv_session"]
    static let line = TCPOptions(packet: .line(maxLength: 4096))

    struct Missing: Error, CustomStringConvertible {
        let what: String
        var description: String { "missing: \(what)" }
    }

    /// One request, one reply line (without its "\n").
    static func ask(_ socket: Socket, _ request: String, _ p: any ProcessContext) async throws -> String {
        try await socket.send(Array((request + "\n").utf8))
        let reply = try await socket.recv(timeout: .seconds(10), process: p)
        return String(decoding: reply.dropLast(), as: UTF8.self)
    }

    static func specs() -> [ApplicationSpec] {
        [ApplicationSpec(name: "kv_store", version: "", modules: ["kv_store_app"] + storeModules,
                         start: (module: "kv_store_app", args: .list([]))),
         ApplicationSpec(name: "kv_front", version: "", modules: frontModules, applications: ["kv_store"],
                         start: (module: "kv_front_sup", args: .list([])))]
    }

    @Test func servesUpgradesKeepsSessionsAndReplaysItsLogs() async throws {
        let plugins = PluginFixtures.shared
        let store1 = try await plugins.example("kv_store", "1.0.0"), front1 = try await plugins.example("kv_front", "1.0.0")
        let store2 = try await plugins.example("kv_store", "2.0.0"), front2 = try await plugins.example("kv_front", "2.0.0")
        let store3 = try await plugins.example("kv_store", "3.0.0"), store301 = try await plugins.example("kv_store", "3.0.1")
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("relive-kv-\(getpid())").path
        try? FileManager.default.removeItem(atPath: data)
        defer { try? FileManager.default.removeItem(atPath: data) }

        let node = Node(name: "kv_example@test")
        defer { node.shutdown() }
        let tcp = TCP(node: node)
        let code = CodeServer(node: node)
        let v1 = [try code.load(pluginAt: store1), try code.load(pluginAt: front1)]
        // Loading an application sets its environment from its spec: configure after.
        for spec in Self.specs() { try node.applications.load(spec) }
        node.applications.setEnvironment("kv_store", "shards", .int(64))
        node.applications.setEnvironment("kv_store", "data_dir", .string(data))
        node.applications.setEnvironment("kv_front", "port", .int(0))

        try await node.run { p in
            try await node.applications.start("kv_store", from: p)
            try await node.applications.start("kv_front", from: p)
            let port = try #require(try await GenServer.call("kv_listener", .atom("port"), process: p).intValue)
            let s = try await tcp.connect(host: "127.0.0.1", port: port, options: Self.line, process: p)
            func ask(_ line: String) async throws -> String { try await Self.ask(s, line, p) }

            #expect(FileManager.default.fileExists(atPath: data), "the data directory")
            // 1.0.0
            #expect(try await ask("PUT a 1") == "OK")
            #expect(try await ask("GET a") == "VALUE 1")
            #expect(try await ask("INCR a") == "VALUE 2")
            let fresh = try await ask("INCR fresh")
            #expect(fresh == "VALUE 1", "\(fresh)")
            #expect(try await ask("PUT word hello") == "OK")
            #expect(try await ask("INCR word") == "ERR not_an_integer")
            #expect(try await ask("PUT gone x") == "OK")
            #expect(try await ask("DEL gone") == "OK")
            #expect(try await ask("GET gone") == "NONE")
            #expect(try await ask("PUT k v EX 100") == "ERR unknown_command")
            #expect(try await ask("TTL k") == "ERR unknown_command")
            #expect(try await ask("FROB") == "ERR unknown_command")
            #expect(try await ask("GET") == "ERR wrong_arguments")
            #expect(try await ask("GET " + String(repeating: "k", count: 257)) == "ERR key_too_long")
            #expect(try await ask("VERSION") == "VERSION 1.0.0 1.0.0")
            #expect(try await ask("SESSION") == "SESSION 15")

            // Up to 2.0.0 with the client connected: the same session, its counter kept.
            let v2 = [try code.load(pluginAt: store2), try code.load(pluginAt: front2)]
            try await UpgradeTransaction.upgrade(Self.storeModules + Self.frontModules, node: node, from: p)
            #expect(try await ask("VERSION") == "VERSION 2.0.0 2.0.0")
            #expect(try await ask("SESSION") == "SESSION 17")
            #expect(try await ask("GET a") == "VALUE 2")
            #expect(try await ask("TTL a") == "TTL -1")
            #expect(try await ask("PUT t v EX 100") == "OK")
            let ttl = try await ask("TTL t")
            // Seconds left, counted from the PUT (a busy machine may let a few pass).
            #expect(ttl.hasPrefix("TTL ") && (90...100).contains(Int(ttl.dropFirst(4)) ?? -1), "\(ttl)")
            #expect(try await ask("TTL nothing") == "NONE")
            #expect(try await ask("PUT t2 v EX 0") == "ERR bad_expiry")

            // Down to 1.0.0: expiries dropped, entries and the session kept.
            try node.modules.activate(v1.flatMap(\.modules))
            try await UpgradeTransaction.upgrade(Self.storeModules + Self.frontModules, node: node, from: p)
            #expect(try await ask("VERSION") == "VERSION 1.0.0 1.0.0")
            #expect(try await ask("GET t") == "VALUE v")
            #expect(try await ask("TTL t") == "ERR unknown_command")
            #expect(try await ask("SESSION") == "SESSION 27")

            // Up again, then 3.0.0, whose code_change throws on a num: key
            // holding a non-integer: the whole change rolls back.
            try node.modules.activate(v2.flatMap(\.modules))
            try await UpgradeTransaction.upgrade(Self.storeModules + Self.frontModules, node: node, from: p)
            #expect(try await ask("PUT num:bad x") == "OK")
            let v3 = try code.load(pluginAt: store3)
            await #expect(throws: UpgradeFailure.self) {
                try await UpgradeTransaction.upgrade(Self.storeModules, rollingBack: [v3], in: code, node: node, from: p)
            }
            #expect(try await ask("VERSION") == "VERSION 2.0.0 2.0.0")
            #expect(try await ask("GET num:bad") == "VALUE x")
            #expect(try await ask("SESSION") == "SESSION 31")

            // 3.0.1 installs cleanly, then its janitor crashes on every sweep
            // (the store holds entries): kv_janitor_sup restarts it again and
            // again, kv_store_sup never sees it, and every request succeeds.
            let storeSup = try #require(p.whereis("kv_store_sup"))
            _ = try code.load(pluginAt: store301)
            try await UpgradeTransaction.upgrade(Self.storeModules, node: node, from: p)
            #expect(try await ask("VERSION") == "VERSION 2.0.0 3.0.1")
            let janitorSup = try #require(p.whereis("kv_janitor_sup"))
            var janitors: Set<Pid> = []
            for _ in 0..<3 {
                // The supervisor's answer comes after every exit it already handled: ask until it reports a new janitor.
                var janitor: Pid? = nil
                for _ in 0..<100_000 {
                    if let pid = try await Supervisor.whichChildren(janitorSup, process: p).first?.pid, !janitors.contains(pid) {
                        janitor = pid
                        break
                    }
                    await p.yield()
                }
                let pid = try #require(janitor)
                janitors.insert(pid)
                let down = p.monitor(pid)
                let reason = try await p.receive(timeout: .seconds(10)) { m in m[element: 1] == .ref(down) ? m[element: 4] : nil }
                #expect(reason != nil && reason != .normal, "the janitor crashes: \(String(describing: reason))")
                #expect(try await ask("INCR a") == "VALUE \(2 + janitors.count)")
            }
            #expect(p.whereis("kv_store_sup") == storeSup)
            #expect(p.whereis("kv_janitor_sup") == janitorSup)
            #expect(try await ask("GET num:bad") == "VALUE x")
            s.close()

            let logs = try FileManager.default.contentsOfDirectory(atPath: data).filter { $0.hasPrefix("shard-") }
            #expect(!logs.isEmpty && logs.allSatisfy { Int($0.dropFirst(6).dropLast(4)).map { (0..<64).contains($0) } ?? false })

            // Fresh shards replay their logs: every acknowledged mutation is there.
            try await node.applications.stop("kv_front", from: p)
            try await node.applications.stop("kv_store", from: p)
            try await node.applications.start("kv_store", from: p)
            try await node.applications.start("kv_front", from: p)
            let port2 = try #require(try await GenServer.call("kv_listener", .atom("port"), process: p).intValue)
            let s2 = try await tcp.connect(host: "127.0.0.1", port: port2, options: Self.line, process: p)
            #expect(try await Self.ask(s2, "GET a", p) == "VALUE 5")
            #expect(try await Self.ask(s2, "GET word", p) == "VALUE hello")
            #expect(try await Self.ask(s2, "GET gone", p) == "NONE")
            #expect(try await Self.ask(s2, "GET t", p) == "VALUE v")
            #expect(try await Self.ask(s2, "GET num:bad", p) == "VALUE x")
            #expect(try await Self.ask(s2, "SESSION", p) == "SESSION 5")
            // A line over the protocol's limit is answered, then the connection closes.
            #expect(try await Self.ask(s2, "GET " + String(repeating: "x", count: 2000), p) == "ERR line_too_long")
            await #expect(throws: SocketError.self) { _ = try await s2.recv(timeout: .seconds(10), process: p) }
        }
    }
}
