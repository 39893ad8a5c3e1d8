import Synchronization
import ReliveKit
import ReliveRuntime
import Testing

/// A gen_server that, at the first cast it handles, is killed (it sends
/// itself `kill`, as any other process could). It counts the casts it handled.
private struct SelfKillingServer: GenServerBehaviour {
    let counter: HandledCounter

    func initialize(_ args: Term, process: any ProcessContext) async throws -> GenServerStart<Int> {
        .ok(0)
    }

    func handleCall(_ request: Term, from: CallFrom, state: inout Int,
                    process: any ProcessContext) async throws -> GenServerCallResult {
        .reply(.int(state))
    }

    func handleCast(_ request: Term, state: inout Int, process: any ProcessContext) async throws -> GenServerResult {
        counter.handled.add(1, ordering: .relaxed)
        if request == .int(0) { process.exit(process.pid, reason: .atom(Atom.kill)) }
        return .noreply
    }
}

private final class HandledCounter: Sendable {
    let handled = Atomic<Int>(0)
}

@Suite struct GenServerKillTests {
    /// The loop's fast path looks at the kill flag only every 16th queued
    /// message (the flag's cache line is the one senders write), so a server
    /// killed with its queue full stops within 16 more messages, and with
    /// `killed` as its reason.
    @Test func aServerKilledWithAFullQueueStopsWithinSixteenMessages() async throws {
        let counter = HandledCounter()
        let node = Node(name: "kill@test")
        defer { node.shutdown() }
        try node.modules.load(LoadedModule(name: "self_killing", version: "1",
                                           code: .genServer(SelfKillingServer(counter: counter))))
        let reason = try await node.run { p -> Term in
            let server = try #require(try await GenServer.start("self_killing", args: .list([]), link: false, from: p).pid)
            let ref = p.monitor(server)
            // Suspended, the server pulls the 1000 casts into its private
            // queue without handling them; resumed, it takes them from there.
            try await Sys.suspend(server, process: p)
            for i in 0..<1_000 { GenServer.cast(server, .int(i)) }
            try await Sys.resume(server, process: p)
            return try await p.receive { $0[element: 0] == .atom(Atom.down) && $0[element: 1] == .ref(ref) ? $0[element: 4] : nil }
        }
        #expect(reason == .atom(Atom.killed))
        let handled = counter.handled.load(ordering: .relaxed)
        #expect(handled >= 1 && handled <= 16, "handled \(handled) casts")
    }
}
