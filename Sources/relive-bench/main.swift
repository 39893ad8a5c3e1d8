// Relive's runtime benchmarks. Prints one line per figure, `metric value unit`,
// with the metric names of ../shared/anchors/run_erlang.sh (without `erl_`),
// so that the two outputs join line by line. Run in release mode: tools/bench.
@_spi(Runtime) import ReliveKit
import ReliveRuntime
import Glibc

@inline(never) func now() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

func rssBytes() -> Int {
    guard let f = fopen("/proc/self/statm", "r") else { return 0 }
    defer { fclose(f) }
    var size = 0, resident = 0
    withUnsafeMutablePointer(to: &size) { s in
        withUnsafeMutablePointer(to: &resident) { r in
            _ = withVaList([s, r]) { vfscanf(f, "%ld %ld", $0) }
        }
    }
    return resident * Int(sysconf(Int32(_SC_PAGESIZE)))
}

func emit(_ metric: String, _ value: Double, _ unit: String) {
    let text = value >= 100 ? String(Int(value.rounded())) : String(format3(value))
    print("\(metric) \(text) \(unit)")
}
func format3(_ v: Double) -> String {
    let scaled = (v * 1000).rounded() / 1000
    return "\(scaled)"
}

let go: Term = .atom("go")
let ping: Term = .atom("ping")
let pong: Term = .atom("pong")
let stop: Term = .atom("stop")

func spawnBench(_ node: Node, _ n: Int) async throws {
    let before = rssBytes()
    let result = try await node.run { me -> (UInt64, [Pid]) in
        var pids: [Pid] = []
        pids.reserveCapacity(n)
        let t0 = now()
        for _ in 0..<n {
            pids.append(me.spawn { p in _ = try await p.receive() })
        }
        let t1 = now()
        return (t1 - t0, pids)
    }
    // Wait until every child is blocked in receive: ping the last and earlier
    // ones is not possible without disturbing them, so wait for quiescence by
    // letting the scheduler drain (spawned tasks block at once).
    try await Task.sleep(for: .milliseconds(300))
    let after = rssBytes()
    emit("spawn_\(n)_spawn_call", Double(result.0) / Double(n) / 1000, "us/proc")
    emit("spawn_\(n)_mem_rss", Double(after - before) / Double(n), "bytes/proc")
    for pid in result.1 { pid.send(stop) }
    while node.processCount > 0 { try await Task.sleep(for: .milliseconds(20)) }
}

func pingPong(_ node: Node, _ n: Int) async throws {
    let ns = try await node.run { me -> UInt64 in
        let ponger = me.spawn { p in
            while true {
                let m = try await p.receive()
                guard case .tuple(let e) = m, e.count == 2, case .pid(let from) = e[0] else { return }
                from.send(pong)
            }
        }
        let request: Term = .tuple([.pid(me.pid), ping])
        for _ in 0..<1000 { ponger.send(request); _ = try await me.receive() }
        let t0 = now()
        for _ in 0..<n { ponger.send(request); _ = try await me.receive() }
        let t1 = now()
        ponger.send(stop)
        return t1 - t0
    }
    emit("pingpong_rtt", Double(ns) / Double(n), "ns/roundtrip")
}

func casts(_ node: Node, _ n: Int, senders: Int) async throws {
    let (total, sendPhase) = try await node.run { me -> (UInt64, UInt64) in
        let counter = me.spawn { p in
            var count = 0
            while count < n { _ = try await p.receive(); count += 1 }
            guard case .pid(let owner) = try await p.receive() else { return }
            owner.send(.atom("done"))
        }
        let perSender = n / senders
        let t0 = now()
        for _ in 0..<senders {
            me.spawn { s in
                let msg: Term = .atom("inc")
                for _ in 0..<perSender { counter.send(msg) }
                me.pid.send(.atom("sent"))
            }
        }
        for _ in 0..<senders { _ = try await me.receive(matching: { $0 == .atom("sent") ? true : nil }) }
        let t1 = now()
        counter.send(.pid(me.pid))
        _ = try await me.receive(matching: { $0 == .atom("done") ? true : nil })
        let t2 = now()
        return (t2 - t0, t1 - t0)
    }
    emit("genserver_cast_\(senders)sender_throughput", Double(n) / (Double(total) / 1e9), "msgs/s")
    emit("genserver_cast_\(senders)sender_send_phase", Double(sendPhase) / 1e6, "ms")
    emit("genserver_cast_\(senders)sender_total", Double(total) / 1e6, "ms")
}

func fanout(_ node: Node, _ n: Int) async throws {
    let (total, sendPhase) = try await node.run { me -> (UInt64, UInt64) in
        var pids: [Pid] = []
        pids.reserveCapacity(n)
        for _ in 0..<n {
            pids.append(me.spawn { p in
                let m = try await p.receive()
                if case .tuple(let e) = m, e.count == 2, case .pid(let from) = e[0] { from.send(pong) }
            })
        }
        try await Task.sleep(for: .milliseconds(200))
        let request: Term = .tuple([.pid(me.pid), ping])
        let t0 = now()
        for pid in pids { pid.send(request) }
        let t1 = now()
        for _ in 0..<n { _ = try await me.receive() }
        let t2 = now()
        return (t2 - t0, t1 - t0)
    }
    emit("fanout_\(n)_total", Double(total) / 1e6, "ms")
    emit("fanout_\(n)_send_phase", Double(sendPhase) / 1e6, "ms")
    emit("fanout_\(n)_per_proc", Double(total) / Double(n), "ns/proc")
}

let args = CommandLine.arguments.dropFirst()
let which = args.first ?? "all"
let node = Node(name: "bench@localhost")
switch which {
case "spawn": try await spawnBench(node, Int(args.dropFirst().first ?? "") ?? 100_000)
case "pingpong": try await pingPong(node, 1_000_000)
case "cast": try await casts(node, 1_000_000, senders: Int(args.dropFirst().first ?? "") ?? 1)
case "fanout": try await fanout(node, 100_000)
case "call": try await genServerCall(node, 1_000_000)
case "gscast": try await genServerCast(node, 1_000_000, senders: Int(args.dropFirst().first ?? "") ?? 1)
case "plugin": try await pluginBench(node, 1_000_000)
case "plugin_memory": try await pluginMemory(node, versions: Int(args.dropFirst().first ?? "") ?? 8)
default:
    try await spawnBench(node, 100_000)
    try await pingPong(node, 1_000_000)
    try await casts(node, 1_000_000, senders: 1)
    try await casts(node, 1_000_000, senders: 2)
    try await fanout(node, 100_000)
}
node.shutdown()
