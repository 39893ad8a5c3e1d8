@_spi(Runtime) import ReliveKit
import PropertyBased

/// A process endpoint that goes nowhere: enough to make pids in the kit's tests.
final class TestEndpoint: ProcessEndpoint, @unchecked Sendable {}

/// Pids and references made the way the runtime makes them.
enum Fixtures {
    static let nodeA = NodeID(name: Atom("a@host"), creation: 1)
    static let nodeB = NodeID(name: Atom("b@host"), creation: 2)

    static func pid(_ serial: UInt64, on node: NodeID = nodeA) -> Pid {
        Pid(TestEndpoint(node: node, serial: serial))
    }

    static func ref(_ id: UInt64, on node: NodeID = nodeA) -> Ref {
        Ref(node: node, id: id)
    }
}

/// Random terms for the property tests, drawn from small pools so that random
/// terms often collide or differ in only one place (where order bugs hide).
enum RandomTerm {
    /// Atom names, quoted and bare, including one past ASCII.
    static let atomNames = ["a", "b", "ok", "error", "EXIT", "hello world", "end", "z", "é", "_"]
    /// Strings, including two canonically equivalent spellings of "é".
    static let strings = ["", "a", "ab", "b", "e\u{301}", "\u{e9}", "f", "é!", "\n", "😀"]
    static let floats: [Double] = [0.0, -0.0, 1.0, -1.0, 0.5, 1.5, 2.0, 1e300, -1e300, 9.25e18, -9.25e18, 0.1, 9_007_199_254_740_992.0]
    static let ints: [Int] = [0, 1, -1, 2, 42, Int.max, Int.min, 1 << 53, (1 << 53) + 1]

    static func term<R: RandomNumberGenerator>(depth: Int, using rng: inout R) -> Term {
        let kinds = depth > 0 ? 11 : 8
        switch Int.random(in: 0..<kinds, using: &rng) {
        case 0: return .int(ints.randomElement(using: &rng) ?? 0)
        case 1: return .int(Int.random(in: -3...3, using: &rng))
        case 2: return .float(floats.randomElement(using: &rng) ?? 0)
        case 3: return .atom(Atom(atomNames.randomElement(using: &rng) ?? "a"))
        case 4: return .ref(Fixtures.ref(UInt64.random(in: 1...3, using: &rng),
                                         on: Bool.random(using: &rng) ? Fixtures.nodeA : Fixtures.nodeB))
        case 5: return .pid(Fixtures.pid(UInt64.random(in: 1...3, using: &rng),
                                         on: Bool.random(using: &rng) ? Fixtures.nodeA : Fixtures.nodeB))
        case 6: return .string(strings.randomElement(using: &rng) ?? "")
        case 7: return .binary((0..<Int.random(in: 0...3, using: &rng)).map { _ in UInt8.random(in: 0...2, using: &rng) })
        case 8: return .tuple(elements(depth: depth - 1, using: &rng))
        case 9: return .list(elements(depth: depth - 1, using: &rng))
        default:
            var storage: [Term: Term] = [:]
            for _ in 0..<Int.random(in: 0...3, using: &rng) {
                storage[term(depth: depth - 1, using: &rng)] = term(depth: depth - 1, using: &rng)
            }
            return .map(TermMap(storage))
        }
    }

    static func elements<R: RandomNumberGenerator>(depth: Int, using rng: inout R) -> [Term] {
        (0..<Int.random(in: 0...3, using: &rng)).map { _ in term(depth: depth, using: &rng) }
    }

    /// A generator of random terms nested up to `depth` deep.
    static func generator(depth: Int = 3) -> Generator<Term, Shrink.None<Term>> {
        Generator { rng in term(depth: depth, using: &rng) }
    }

    /// An equal term built separately: fresh arrays, maps filled in another
    /// order, other spellings of canonically equivalent strings, pids with
    /// other endpoint objects. Equal terms must hash alike.
    static func rebuilt(_ term: Term) -> Term {
        switch term {
        case .int, .float, .atom, .ref, .binary: return term
        case .pid(let pid): return .pid(Fixtures.pid(pid.serial, on: pid.node))
        case .string(let s):
            if s == "\u{e9}" { return .string(s.unicodeScalars.first == "e" ? "\u{e9}" : "e\u{301}") }
            return .string(String(s.unicodeScalars.map(Character.init)))
        case .tuple(let elements): return .tuple(elements.map(rebuilt))
        case .list(let elements): return .list(elements.map(rebuilt))
        case .map(let map):
            var storage: [Term: Term] = [:]
            for (key, value) in map.sortedEntries.reversed() { storage[rebuilt(key)] = rebuilt(value) }
            return .map(TermMap(storage))
        }
    }
}
