import Testing
import PropertyBased
import ReliveKit

/// Random Codable values survive `TermEncoder` → `TermDecoder` unchanged.
struct TermCodablePropertyTests {
    struct Sample: Codable, Equatable {
        var int: Int
        var widths: Widths
        var double: Double
        var text: String
        var flag: Bool
        var maybe: Int?
        var maybeText: String?
        var list: [Int]
        var optionals: [Bool?]
        var scores: [String: Int]
        var byId: [Int: [String]]
        var bytes: [UInt8]
        var commands: [Command]
        var child: Child?
        var term: Term
    }

    /// Recursive, so that nesting depth varies.
    final class Child: Codable, Equatable {
        let name: String
        let children: [Child]
        init(name: String, children: [Child]) {
            self.name = name
            self.children = children
        }
        static func == (a: Child, b: Child) -> Bool { a.name == b.name && a.children == b.children }
    }

    static let texts = ["", "a", "hello world", "é", "e\u{301}", "'quote'", "\"dq\"", "tab\t", "😀", "undefined"]

    static func text<R: RandomNumberGenerator>(_ rng: inout R) -> String {
        texts.randomElement(using: &rng) ?? ""
    }

    static func double<R: RandomNumberGenerator>(_ rng: inout R) -> Double {
        switch Int.random(in: 0..<4, using: &rng) {
        case 0: return Double.random(in: -1e6...1e6, using: &rng)
        case 1: return [0.0, -0.0, .greatestFiniteMagnitude, -.leastNonzeroMagnitude, 0.1].randomElement(using: &rng) ?? 0
        case 2: return Double(Int.random(in: -100...100, using: &rng))
        default: return Double(bitPattern: UInt64.random(in: 0...0x7FEF_FFFF_FFFF_FFFF, using: &rng))
        }
    }

    static func command<R: RandomNumberGenerator>(_ rng: inout R) -> Command {
        switch Int.random(in: 0..<5, using: &rng) {
        case 0: return .increment(by: Int.random(in: .min ... .max, using: &rng))
        case 1: return .reset
        case 2: return .rename(text(&rng), quiet: Bool.random(using: &rng))
        case 3: return .replace(Counter(count: Int.random(in: -9...9, using: &rng), name: text(&rng),
                                        enabled: Bool.random(using: &rng), ratio: double(&rng)))
        default: return .maybe(Bool.random(using: &rng) ? nil : Int.random(in: -5...5, using: &rng))
        }
    }

    static func child<R: RandomNumberGenerator>(depth: Int, _ rng: inout R) -> Child {
        let count = depth > 0 ? Int.random(in: 0...3, using: &rng) : 0
        return Child(name: text(&rng), children: (0..<count).map { _ in child(depth: depth - 1, &rng) })
    }

    static func widths<R: RandomNumberGenerator>(_ rng: inout R) -> Widths {
        Widths(
            i8: .random(in: .min ... .max, using: &rng), i16: .random(in: .min ... .max, using: &rng),
            i32: .random(in: .min ... .max, using: &rng), i64: .random(in: .min ... .max, using: &rng),
            u: .random(in: 0...UInt(Int.max), using: &rng), u8: .random(in: .min ... .max, using: &rng),
            u16: .random(in: .min ... .max, using: &rng), u32: .random(in: .min ... .max, using: &rng),
            u64: .random(in: 0...UInt64(Int64.max), using: &rng),
            f: Float(bitPattern: UInt32.random(in: 0...0x7F7F_FFFF, using: &rng)) * (Bool.random(using: &rng) ? 1 : -1))
    }

    static func sample<R: RandomNumberGenerator>(_ rng: inout R) -> Sample {
        func some<T>(_ n: ClosedRange<Int>, _ make: (inout R) -> T) -> [T] {
            (0..<Int.random(in: n, using: &rng)).map { _ in make(&rng) }
        }
        var scores: [String: Int] = [:]
        for _ in 0..<Int.random(in: 0...4, using: &rng) { scores[text(&rng)] = Int.random(in: -9...9, using: &rng) }
        var byId: [Int: [String]] = [:]
        for _ in 0..<Int.random(in: 0...3, using: &rng) {
            byId[Int.random(in: .min ... .max, using: &rng)] = some(0...2) { text(&$0) }
        }
        return Sample(
            int: Int.random(in: .min ... .max, using: &rng),
            widths: widths(&rng),
            double: double(&rng),
            text: text(&rng),
            flag: Bool.random(using: &rng),
            maybe: Bool.random(using: &rng) ? nil : Int.random(in: -3...3, using: &rng),
            maybeText: Bool.random(using: &rng) ? nil : text(&rng),
            list: some(0...5) { Int.random(in: -1000...1000, using: &$0) },
            optionals: some(0...4) { rng in Bool.random(using: &rng) ? nil : Bool.random(using: &rng) },
            scores: scores,
            byId: byId,
            bytes: some(0...6) { UInt8.random(in: 0...255, using: &$0) },
            commands: some(0...4) { command(&$0) },
            child: Bool.random(using: &rng) ? nil : child(depth: 3, &rng),
            term: RandomTerm.term(depth: 2, using: &rng))
    }

    @Test func randomValuesRoundTrip() async throws {
        let samples = Generator<Sample, Shrink.None<Sample>> { rng in Self.sample(&rng) }
        let encoder = TermEncoder(), decoder = TermDecoder()
        await propertyCheck(count: 500, input: samples) { sample in
            // Caught here: propertyCheck (2.0.1 on Swift 6.3) drops errors its body throws.
            do {
                let term = try encoder.encode(sample)
                let back = try decoder.decode(Sample.self, from: term)
                #expect(back == sample, "\(term)")
                // Encoding is a function of the value: the same value, the same term.
                #expect(try encoder.encode(back) == term)
            } catch {
                Issue.record("\(error) for \(sample)")
            }
        }
    }

    /// A term with one random subterm (reached by a random walk) replaced by a random term.
    static func mutated<R: RandomNumberGenerator>(_ term: Term, using rng: inout R) -> Term {
        let descend = Int.random(in: 0..<4, using: &rng) != 0
        switch term {
        case .list(var elements) where descend && !elements.isEmpty:
            let i = Int.random(in: elements.indices, using: &rng)
            elements[i] = mutated(elements[i], using: &rng)
            return .list(elements)
        case .map(var map) where descend && !map.isEmpty:
            let entries = map.sortedEntries
            let entry = entries[Int.random(in: entries.indices, using: &rng)]
            map[entry.key] = mutated(entry.value, using: &rng)
            return .map(map)
        default:
            return RandomTerm.term(depth: 2, using: &rng)
        }
    }

    /// Bad input never traps: a valid state's term with one part replaced by
    /// a random term decodes, or throws `DecodingError`.
    @Test func mutatedTermsDecodeOrThrowNeverTrap() async throws {
        let cases = Generator<(Term, Term), Shrink.None<(Term, Term)>> { rng in
            let original = (try? TermEncoder().encode(Self.sample(&rng))) ?? .undefined
            return (original, Self.mutated(original, using: &rng))
        }
        let decoder = TermDecoder()
        await propertyCheck(count: 2000, input: cases) { original, mutated in
            #expect(original != .undefined)
            do {
                _ = try decoder.decode(Sample.self, from: mutated)
            } catch is DecodingError {
                // the usual outcome
            } catch {
                Issue.record("unexpected error \(error) for \(mutated)")
            }
        }
    }
}
