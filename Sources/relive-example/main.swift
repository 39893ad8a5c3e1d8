// The first Relive example: a small tree of linked processes, one crash, and
// the exit signals that carry the failure along the links until a process
// that traps exits stops it.
//
//   root (traps exits)
//    ├── worker_a
//    └── worker_b ── child_c      (child_c crashes)
//
// Every line printed is a message as the receiving process got it, in Erlang
// syntax. The program waits for each expected message in turn (selective
// receive), so the output's order does not depend on scheduling; only the
// pids' creation part (the node's incarnation) changes from run to run.
// Crash reports go through swift-log to standard error.

import Logging
import ReliveKit
import ReliveRuntime

#if canImport(Glibc)
import Glibc
#endif

/// What child_c throws: a plain Swift error becomes its exit reason,
/// `{error, "Type", "description"}`.
struct Crash: Error, CustomStringConvertible {
    var description: String { "child_c crashed on purpose" }
}

struct Missing: Error, CustomStringConvertible {
    let what: String
    var description: String { "expected message did not arrive: \(what)" }
}

enum Example {
    static let timeout: Duration = .seconds(5)

    /// Waits for the first message `match` accepts, leaving others queued.
    static func wait<T>(_ p: LocalProcess, for what: String, _ match: (Term) -> T?) async throws -> T {
        guard let value = try await p.receive(timeout: timeout, matching: match) else { throw Missing(what: what) }
        return value
    }

    static func isDown(_ m: Term, _ ref: Ref) -> Bool { m[element: 0] == .atom(Atom.down) && m[element: 1] == .ref(ref) }
    static func isExit(_ m: Term, _ pid: Pid) -> Bool { m[element: 0] == .atom(Atom.exit) && m[element: 1] == .pid(pid) }

    static func run() async throws {
        let node = Node(name: "example@localhost",
                        logger: Logger(label: "relive.example", factory: { StreamLogHandler.standardError(label: $0) }))
        defer { node.shutdown() }

        try await node.run { root in
            root.trapExit = true
            let me = root.pid

            // A worker answers pings until told to stop.
            let workerA = root.spawnLink { a in
                while true {
                    let m = try await a.receive()
                    if m == .atom("stop") { return }
                    if let from = m[element: 1]?.pidValue { a.send(.tuple([.atom("pong"), .pid(a.pid)]), to: from) }
                }
            }
            // worker_b starts its own linked child, then idles. It does not
            // trap exits, so its child's crash kills it too.
            let workerB = root.spawnLink { b in
                let childC = b.spawnLink { c in
                    _ = try await c.receive(matching: { $0 == .atom("crash") ? $0 : nil })
                    throw Crash()
                }
                b.send(.tuple([.atom("child"), .pid(childC)]), to: me)
                _ = try await b.receive(matching: { _ -> Term? in nil })
            }
            let childC = try await wait(root, for: "child_c's pid") { m -> Pid? in
                m[element: 0] == .atom("child") ? m[element: 1]?.pidValue : nil
            }

            // Monitors show each death; links decide who dies.
            let refA = root.monitor(workerA)
            let refB = root.monitor(workerB)
            let refC = root.monitor(childC)

            print("root     \(me)  traps exits")
            print("worker_a \(workerA)  linked to root")
            print("worker_b \(workerB)  linked to root")
            print("child_c  \(childC)  linked to worker_b")
            print("")
            print("child_c throws \(Crash.self)...")
            root.send(.atom("crash"), to: childC)

            let downC = try await wait(root, for: "DOWN of child_c") { isDown($0, refC) ? $0 : nil }
            print("\(downC)")
            print("    child_c is dead; its link carries the reason to worker_b")
            let downB = try await wait(root, for: "DOWN of worker_b") { isDown($0, refB) ? $0 : nil }
            print("\(downB)")
            print("    worker_b did not trap exits, so it died with the same reason")
            let exitB = try await wait(root, for: "EXIT from worker_b") { isExit($0, workerB) ? $0 : nil }
            print("\(exitB)")
            print("    root traps exits: the signal arrived as a message and root lives on")

            root.send(.tuple([.atom("ping"), .pid(me)]), to: workerA)
            let pong = try await wait(root, for: "pong from worker_a") { $0[element: 0] == .atom("pong") ? $0 : nil }
            print("\(pong)")
            print("    worker_a, linked only to root, never heard of the crash")

            print("")
            print("stopping worker_a...")
            root.send(.atom("stop"), to: workerA)
            let exitA = try await wait(root, for: "EXIT from worker_a") { isExit($0, workerA) ? $0 : nil }
            print("\(exitA)")
            let downA = try await wait(root, for: "DOWN of worker_a") { isDown($0, refA) ? $0 : nil }
            print("\(downA)")
            print("    a normal exit: signals and monitors report `normal`")
        }
        print("")
        print("done; shutting the node down")
    }
}

do {
    try await Example.run()
} catch {
    print("example failed: \(error)")
    exit(1)
}
