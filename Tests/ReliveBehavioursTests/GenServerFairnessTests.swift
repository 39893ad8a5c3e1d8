#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import ReliveKit
import ReliveRuntime
import Testing

/// A gen_server that never waits: every cast it takes it casts to itself
/// again, so its mailbox is never empty and only the reduction budget of its
/// loop gives its scheduler thread away. It counts the casts it handled.
private struct FloodServer: GenServerBehaviour {
    let counter: FloodCounter

    func initialize(_ args: Term, process: any ProcessContext) async throws -> GenServerStart<Int> {
        for i in 0..<1_000 { GenServer.cast(process.pid, .int(i)) }
        return .ok(0)
    }

    func handleCall(_ request: Term, from: CallFrom, state: inout Int,
                    process: any ProcessContext) async throws -> GenServerCallResult {
        .reply(.int(state))
    }

    func handleCast(_ request: Term, state: inout Int, process: any ProcessContext) async throws -> GenServerResult {
        GenServer.cast(process.pid, request)
        state += 1
        counter.handled.add(1, ordering: .relaxed)
        return .noreply
    }
}

/// The count the flood servers share (a module's callbacks value is copied
/// into every server it starts).
private final class FloodCounter: Sendable {
    let handled = Atomic<Int>(0)
}

@Suite struct GenServerFairnessTests {
    /// As many flooding gen_servers as scheduler threads keep their mailboxes
    /// full for ever (the loop's fast path takes queued messages without an
    /// async call, so only its reduction budget makes them yield); a
    /// ping-pong between two plain processes still completes, and the servers
    /// kept handling casts meanwhile.
    @Test func floodingServersDoNotStarvePingPong() async throws {
        let flooders = max(2, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        let counter = FloodCounter()
        let node = Node(name: "fair@test")
        defer { node.shutdown() }
        try node.modules.load(LoadedModule(name: "flood", version: "1",
                                           code: .genServer(FloodServer(counter: counter))))
        let rounds = 50
        let (pongs, before, after) = try await node.run { p -> (Int, Int, Int) in
            for _ in 0..<flooders {
                _ = try #require(try await GenServer.start("flood", args: .list([]), link: false, from: p).pid)
            }
            let echo = p.spawn { c in
                while true {
                    let m = try await c.receive()
                    guard let from = m[element: 0]?.pidValue, let n = m[element: 1] else { return }
                    from.send(.tuple([.atom("pong"), n]))
                }
            }
            let before = counter.handled.load(ordering: .relaxed)
            var pongs = 0
            for i in 0..<rounds {
                echo.send(.tuple([.pid(p.pid), .int(i)]))
                // 20 s: a guard against a starved echo, not a budget.
                let reply = try await p.receive(timeout: .seconds(20)) { $0[element: 0] == .atom("pong") ? $0 : nil }
                guard reply == .tuple([.atom("pong"), .int(i)]) else { break }
                pongs += 1
            }
            echo.send(.atom("stop"))
            return (pongs, before, counter.handled.load(ordering: .relaxed))
        }
        #expect(pongs == rounds)
        // The servers were flooding during the ping-pong, not idle.
        #expect(after > before)
    }
}
