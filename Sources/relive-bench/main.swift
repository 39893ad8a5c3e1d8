// Relive's runtime benchmarks. Prints one line per figure, `metric value unit`,
// with the metric names of ../shared/anchors/run_erlang.sh (without `erl_`),
// so that the two outputs join line by line. Run in release mode, one
// benchmark per OS process, by tools/bench:
//
//   relive-bench spawn N          spawn_N_{spawn_call,until_blocked,mem_processes,mem_total}
//   relive-bench pingpong [N]     pingpong_rtt
//   relive-bench cast N SENDERS   genserver_cast_{S}sender_{throughput,send_phase,total} (a gen_server)
//   relive-bench plaincast N S    plain_cast_{S}sender_* (a plain receiving process)
//   relive-bench call N           genserver_call_rtt
//   relive-bench plugin [N]       plugin_load, plugin_first_call, plugin_genserver_call_rtt
//   relive-bench plugin_memory K  plugin_retained_{rss,resident}_per_version
//   relive-bench fanout N         fanout_N_{total,send_phase,per_proc}
//   relive-bench upgrade N        upgrade_N_{window,suspend_change_code,resume,resume_confirmed_after} (the relup evaluator)
//   relive-bench multicall N [R]  multicall_N_per_proc (one request to N gen_servers at once, R CallRounds rounds)
//   relive-bench stress [SECONDS] scheduler stress check (not a benchmark)
//   RELIVE_BENCH_MARKS=1          upgrade also prints the evaluation's monotonic start and end,
//                                 to profile only the window (perf record -k CLOCK_MONOTONIC)
//
// Each benchmark mirrors ../shared/anchors/erlang/anchors_bench.erl: the same
// setup outside the timed part, the same start and stop points.
@_spi(Runtime) import ReliveKit
import ReliveRuntime
import Glibc

// First statement of main, before any task exists: the node scheduler becomes
// the default executor (processes without a task executor preference).
// Not for the stress checks, which start and stop nodes with their own
// schedulers and count threads. `RELIVE_DEFAULT_EXECUTOR=0` keeps the
// preference path, for comparisons.
let installedScheduler = CommandLine.arguments.dropFirst().first?.hasPrefix("stress") == true
    ? false : Node.installSchedulerAsDefaultExecutor()
@inline(never) func now() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

/// Resident set size of this OS process (bytes).
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

/// Bytes the allocator holds for the program: the figure set beside
/// Erlang's `erlang:memory(processes)`. Under mimalloc (the allocator the
/// node programs link, see Package.swift) it is mimalloc's committed memory
/// (`mi_process_info`'s current_commit: in-use bytes plus the allocator's
/// free pages it has not returned, so an upper bound); under glibc's malloc,
/// the in-use bytes of `mallinfo2`. Both are called through dlsym (the Glibc
/// module imports neither). Nil when neither is there.
func allocatorBytes() -> Int? {
    if let sym = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mi_process_info") {
        typealias ProcessInfo = @convention(c) (UnsafeMutablePointer<Int>?, UnsafeMutablePointer<Int>?,
                                                UnsafeMutablePointer<Int>?, UnsafeMutablePointer<Int>?,
                                                UnsafeMutablePointer<Int>?, UnsafeMutablePointer<Int>?,
                                                UnsafeMutablePointer<Int>?, UnsafeMutablePointer<Int>?) -> Void
        var commit = 0
        unsafeBitCast(sym, to: ProcessInfo.self)(nil, nil, nil, nil, nil, &commit, nil, nil)
        return commit
    }
    #if arch(x86_64)
    // glibc: `struct mallinfo2` (80 bytes) comes back through the hidden
    // result pointer, which on x86-64 is the first argument register.
    typealias MallInfo2 = @convention(c) (UnsafeMutableRawPointer) -> UnsafeMutableRawPointer?
    guard let sym = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallinfo2") else { return nil }
    let f = unsafeBitCast(sym, to: MallInfo2.self)
    let fields = UnsafeMutablePointer<Int>.allocate(capacity: 10)
    defer { fields.deallocate() }
    fields.initialize(repeating: 0, count: 10)
    _ = f(UnsafeMutableRawPointer(fields))
    // struct mallinfo2 { arena, ordblks, smblks, hblks, hblkhd, usmblks, fsmblks, uordblks, fordblks, keepcost }
    return fields[7] + fields[4]
    #else
    return nil
    #endif
}

func emit(_ metric: String, _ value: Double, _ unit: String) {
    let text: String
    if value >= 100 { text = String(Int(value.rounded())) } else { text = "\((value * 1000).rounded() / 1000)" }
    print("\(metric) \(text) \(unit)")
}

/// Waits until every process of the node is blocked (Erlang's
/// `wait_quiescent`: total run queue length 0). On Swift's default executor,
/// which cannot tell, it sleeps 300 ms instead.
func waitQuiescent(_ node: Node) {
    guard node.isQuiescent != nil else { usleep(300_000); return }
    // Two consecutive idle observations 50 µs apart.
    var streak = 0
    while streak < 2 {
        if node.isQuiescent == true { streak += 1 } else { streak = 0 }
        usleep(50)
    }
}

let ping: Term = .atom("ping")
let pong: Term = .atom("pong")
let stop: Term = .atom("stop")

// ------------------------------------------------------------------ 1. spawn
/// `spawn N` idle processes blocked in receive; no pid list is kept.
func spawnBench(_ node: Node, _ n: Int) async throws {
    waitQuiescent(node)
    let rss0 = rssBytes(), heap0 = allocatorBytes()
    let (t0, t1) = try await node.run { me -> (UInt64, UInt64) in
        let t0 = now()
        for _ in 0..<n { me.spawn { p in _ = try await p.receive() } }
        return (t0, now())
    }
    waitQuiescent(node)
    let t2 = now()
    let rss1 = rssBytes(), heap1 = allocatorBytes()
    let tag = "spawn_\(n)"
    emit("\(tag)_spawn_call", Double(t1 - t0) / 1000 / Double(n), "us/proc")
    emit("\(tag)_until_blocked", Double(t2 - t0) / 1000 / Double(n), "us/proc")
    if let heap0, let heap1 { emit("\(tag)_mem_processes", Double(heap1 - heap0) / Double(n), "bytes/proc") }
    emit("\(tag)_mem_total", Double(rss1 - rss0) / Double(n), "bytes/proc")
    emit("\(tag)_process_count", Double(node.processCount), "procs")
}

// -------------------------------------------------------------- 2. ping-pong
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

// ------------------------------------------------- 3. casts to one receiver
/// `senders` processes each send N/senders `{'$gen_cast', inc}` messages to
/// one counting process (the message a gen_server cast sends). Timed from
/// "go" until the receiver has counted N.
func casts(_ node: Node, _ n: Int, senders: Int) async throws {
    let perSender = n / senders
    let total = perSender * senders
    let castTag: Term = .atom("$gen_cast")
    let inc: Term = .atom("inc")
    let (counter, senderPids) = try await node.run { me -> (Pid, [Pid]) in
        let counter = me.spawn { p in
            guard case .pid(let owner) = try await p.receive() else { return }
            var count = 0
            while count < total {
                let m = try await p.receive()
                if case .tuple(let e) = m, e.count == 2, e[0] == castTag, e[1] == inc { count += 1 }
            }
            owner.send(.tuple([.atom("counted"), .int(count)]))
        }
        var pids: [Pid] = []
        for _ in 0..<senders {
            pids.append(me.spawn { s in
                guard case .pid(let owner) = try await s.receive() else { return }
                let msg: Term = .tuple([castTag, inc])
                for _ in 0..<perSender { counter.send(msg) }
                owner.send(.tuple([.atom("sent"), .pid(s.pid)]))
            })
        }
        return (counter, pids)
    }
    waitQuiescent(node)
    let (t0, t1, t2) = try await node.run { me -> (UInt64, UInt64, UInt64) in
        counter.send(.pid(me.pid))
        let t0 = now()
        for s in senderPids { s.send(.pid(me.pid)) }
        for _ in senderPids { _ = try await me.receive(matching: { $0[element: 0] == .atom("sent") ? true : nil }) }
        let t1 = now()
        _ = try await me.receive(matching: { $0[element: 0] == .atom("counted") ? true : nil })
        return (t0, t1, now())
    }
    // A plain process as the receiver: message passing without the gen_server loop.
    let tag = "plain_cast_\(senders)sender"
    emit("\(tag)_throughput", Double(total) / (Double(t2 - t0) / 1e9), "msgs/s")
    emit("\(tag)_send_phase", Double(t1 - t0) / 1e6, "ms")
    emit("\(tag)_total", Double(t2 - t0) / 1e6, "ms")
}

// ---------------------------------------------------------------- 4. fan-out
/// N processes are spawned and left blocked (untimed); then one process
/// sends `{self(), ping}` to each and collects the N `pong` replies.
func fanout(_ node: Node, _ n: Int) async throws {
    let pids = try await node.run { me -> [Pid] in
        var pids: [Pid] = []
        pids.reserveCapacity(n)
        for _ in 0..<n {
            pids.append(me.spawn { p in
                let m = try await p.receive()
                if case .tuple(let e) = m, e.count == 2, case .pid(let from) = e[0] { from.send(pong) }
            })
        }
        return pids
    }
    waitQuiescent(node)
    let (t0, t1, t2) = try await node.run { me -> (UInt64, UInt64, UInt64) in
        let request: Term = .tuple([.pid(me.pid), ping])
        let t0 = now()
        for pid in pids { pid.send(request) }
        let t1 = now()
        for _ in 0..<n { _ = try await me.receive() }
        return (t0, t1, now())
    }
    let tag = "fanout_\(n)"
    emit("\(tag)_total", Double(t2 - t0) / 1e6, "ms")
    emit("\(tag)_send_phase", Double(t1 - t0) / 1e6, "ms")
    emit("\(tag)_per_proc", Double(t2 - t0) / Double(n), "ns/proc")
}

// ------------------------------------------------------------------- main
let args = Array(CommandLine.arguments.dropFirst())
func intArg(_ i: Int, _ fallback: Int) -> Int { args.count > i ? Int(args[i]) ?? fallback : fallback }
let which = args.first ?? "all"

if which == "stress-stuck" {
    for _ in 0..<intArg(1, 5) { print("run-next behind a busy process waited", try await stressStuckRunNext(), "ms") }
    exit(0)
}
if which == "stress" {
    try await stress(seconds: Double(intArg(1, 20)))
    exit(0)
}

let node = Node(name: "bench@localhost")
switch which {
case "spawn": try await spawnBench(node, intArg(1, 100_000))
case "pingpong": try await pingPong(node, intArg(1, 1_000_000))
case "cast": try await genServerCast(node, intArg(1, 1_000_000), senders: intArg(2, 1))
case "plaincast": try await casts(node, intArg(1, 1_000_000), senders: intArg(2, 1))
case "call": try await genServerCall(node, intArg(1, 1_000_000))
case "plugin": try await pluginBench(node, intArg(1, 1_000_000))
case "plugin_memory": try await pluginMemory(node, versions: intArg(1, 8))
case "fanout": try await fanout(node, intArg(1, 100_000))
case "upgrade": try await upgradeBench(node, intArg(1, 10_000))
case "multicall": try await multiCallBench(node, intArg(1, 100_000), rounds: intArg(2, 5))
case "all":
    try await spawnBench(node, 100_000)
    try await pingPong(node, 1_000_000)
    try await casts(node, 1_000_000, senders: 1)
    try await casts(node, 1_000_000, senders: 2)
    try await fanout(node, 100_000)
default:
    print("usage: relive-bench spawn N | pingpong [N] | cast N SENDERS | fanout N | all | stress [SECONDS]")
    exit(2)
}
// Each benchmark runs in a fresh OS process: leave without tearing down
// (killing a million processes is not what was measured).
fflush(nil)
exit(0)
