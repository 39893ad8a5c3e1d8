import ReliveKit
@testable import ReliveRuntime
import Testing

/// Pids: unforgeable, comparable, naming their node and its incarnation.
///
/// Unforgeability is a compile-time property, so it is documented here rather
/// than asserted at run time: `Pid`'s only initialiser, `Pid.init(_:
/// ProcessEndpoint)`, is `@_spi(Runtime)`, and so is `ProcessEndpoint.init`;
/// this file imports ReliveKit without the SPI, so neither can be called here
/// (writing `Pid(...)` in this file does not compile). There is no API that
/// takes a String (or any other printable form) and returns a Pid, so a
/// printed pid is text only. The tests below check what can be checked at run
/// time: printing, equality, hashing, ordering, node and creation.
@Suite struct PidTests {
    @Test func pidNamesItsNodeAndCreation() async throws {
        let node = makeNode("alpha@localhost")
        defer { node.shutdown() }
        let pid = node.spawn { _ in }
        #expect(pid.node == node.id)
        #expect(pid.node.name == Atom("alpha@localhost"))
        #expect(pid.node.creation == node.id.creation)
        // Printed in Erlang's shape, with the creation in it.
        #expect(pid.description == "<0.\(pid.serial).\(node.id.creation)>")
        #expect(Term.pid(pid).description == pid.description)
    }

    @Test func twoIncarnationsOfANodeHaveDifferentCreations() async throws {
        let first = makeNode("same@localhost")
        let firstPid = first.spawn { _ in }
        first.shutdown()
        let second = makeNode("same@localhost")
        defer { second.shutdown() }
        let secondPid = second.spawn { _ in }
        #expect(first.id.name == second.id.name)
        #expect(first.id.creation != second.id.creation)
        #expect(first.id != second.id)
        // Same name, same serial, different incarnation: different pids.
        #expect(firstPid.serial == secondPid.serial)
        #expect(firstPid != secondPid)
        #expect(firstPid.description != secondPid.description)
    }

    @Test func equalityHashingAndOrdering() async throws {
        let node = makeNode()
        defer { node.shutdown() }
        let pids = try await node.run { p in
            let me = p.pid
            var pids: [Pid] = []
            for _ in 0..<100 { pids.append(p.spawn { c in c.send(.pid(c.pid), to: me) }) }
            var reported: [Pid] = []
            for _ in 0..<100 {
                if let pid = try await p.next("self()").pidValue { reported.append(pid) }
            }
            return (pids, reported)
        }
        let (spawned, reported) = pids
        // The pid a process sees as self() equals the one its parent got.
        #expect(Set(reported) == Set(spawned))
        // Every process gets a fresh pid.
        #expect(Set(spawned).count == spawned.count)
        // Pids sort by serial on one node, i.e. in spawn order here.
        #expect(spawned.sorted() == spawned)
        #expect(spawned[0] < spawned[1])
        // Hashable: a pid finds itself in a dictionary.
        let table = Dictionary(uniqueKeysWithValues: spawned.enumerated().map { ($1, $0) })
        #expect(table[spawned[42]] == 42)
        // Pids order between references and tuples in Erlang's term order.
        let ref = node.makeRef()
        #expect(Term.ref(ref) < Term.pid(spawned[0]))
        #expect(Term.pid(spawned[0]) < Term.tuple([]))
    }

    @Test func pidsOfDifferentNodesDiffer() async throws {
        let a = makeNode("a@localhost")
        let b = makeNode("b@localhost")
        defer { a.shutdown(); b.shutdown() }
        let pa = a.spawn { _ in }
        let pb = b.spawn { _ in }
        #expect(pa.serial == pb.serial)
        #expect(pa != pb)
        #expect(pa < pb)       // ordered by node first
        #expect(a.process(pb) == nil)
        #expect(b.process(pb) != nil)
        #expect(a.exitReason(of: pb) == nil && !a.isAlive(pb))    // a knows nothing of b's processes
    }

    /// A message to a pid of a node that has shut down is dropped: not kept
    /// in the dead process's mailbox, and not delivered to the process that
    /// now has the same name and serial on a node of the same name.
    @Test func sendingToAPidOfAStoppedNodeIsDropped() async throws {
        let old = makeNode("n@localhost")
        let oldPid = old.spawn { c in _ = try await c.receive() }
        old.shutdown()
        let oldProcess = try #require(old.process(oldPid))
        #expect(old.exitReason(of: oldPid) == .atom(Atom.killed))
        let new = makeNode("n@localhost")
        defer { new.shutdown() }
        let (newPid, first) = try await new.run { p in
            oldPid.send("stale")
            // Ordered after the stale message (same sender): it shows whether
            // "stale" came here, with no wait for something not to happen.
            p.send("marker", to: p.pid)
            return (p.pid, try await p.receive())
        }
        try #require(newPid.serial == oldPid.serial)      // the case that matters
        #expect(newPid != oldPid)
        #expect(first == "marker")
        #expect(oldProcess.shared.withLock { $0.inbox.count } == 0)
        #expect(old.exitReason(of: oldPid) == .atom(Atom.killed))   // it never ran on
    }
}
