import PropertyBased
import ReliveKit
import Testing
@testable import ReliveReleases

/// Random terms (from a generated seed, so a failure names the seed) must
/// write and read back equal; each model written and read back is equal.
@Suite struct TermFilePropertyTests {
    typealias Random = TermFileFuzzTests.SeededRandom

    static func randomAtom(_ rng: inout Random) -> Atom {
        let names = ["ok", "Quoted", "end", "with space", "a@b", "", "é", "it's", "x_1", "maybe"]
        return Atom(names.randomElement(using: &rng) ?? "ok")
    }

    static func randomString(_ rng: inout Random) -> String {
        let pieces = ["a", "Z", " ", "\"", "'", "\\", "\n", "\t", "\u{7F}", "\u{1}", "\u{15}", "7", "0", "é", "☺", "%", "."]
        return (0..<Int.random(in: 0...6, using: &rng)).map { _ in pieces.randomElement(using: &rng) ?? "" }.joined()
    }

    static func randomTerm(_ rng: inout Random, depth: Int) -> Term {
        let leaf = depth >= 4 || Int.random(in: 0..<3, using: &rng) == 0
        switch Int.random(in: 0..<(leaf ? 5 : 9), using: &rng) {
        case 0:
            // The full range, with the edges (Int.min's magnitude is 2^63) as likely as any shift.
            switch Int.random(in: 0..<8, using: &rng) {
            case 0: return .int(.min)
            case 1: return .int(.max)
            default: return .int(Int.random(in: .min ... .max, using: &rng) >> Int.random(in: 0...63, using: &rng))
            }
        case 1: return .float(Double.random(in: -1e6...1e6, using: &rng) * pow10(Int.random(in: -20...20, using: &rng)))
        case 2: return .atom(randomAtom(&rng))
        case 3: return .string(randomString(&rng))
        case 4: return .binary((0..<Int.random(in: 0...5, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) })
        case 5: return .tuple((0..<Int.random(in: 0...4, using: &rng)).map { _ in randomTerm(&rng, depth: depth + 1) })
        case 6, 7: return .list((0..<Int.random(in: 0...4, using: &rng)).map { _ in randomTerm(&rng, depth: depth + 1) })
        default:
            var m = TermMap()
            for _ in 0..<Int.random(in: 0...3, using: &rng) { m[randomTerm(&rng, depth: depth + 1)] = randomTerm(&rng, depth: depth + 1) }
            return .map(m)
        }
    }

    static func pow10(_ e: Int) -> Double {
        var x = 1.0
        for _ in 0..<abs(e) { x *= 10 }
        return e < 0 ? 1 / x : x
    }

    @Test func randomTermsRoundTrip() async {
        await propertyCheck(count: 400, input: Gen.int(in: 0...Int.max)) { seed in
            var rng = Random(state: UInt64(seed))
            let terms = (0..<3).map { _ in Self.randomTerm(&rng, depth: 0) }
            let width = Int.random(in: 20...100, using: &rng)
            // Caught here: propertyCheck (2.0.1 on Swift 6.3) drops errors its body throws.
            do {
                let text = try TermFile.format(terms, width: width)
                do {
                    #expect(try TermFile.parse(text).terms == terms, "seed \(seed):\n\(text)")
                } catch {
                    Issue.record("seed \(seed): \(error)\n\(text)")
                }
            } catch {
                Issue.record("seed \(seed): \(error)")
            }
        }
    }

    @Test func randomApplicationsRoundTrip() async {
        await propertyCheck(count: 200, input: Gen.int(in: 0...Int.max)) { seed in
            var rng = Random(state: UInt64(seed))
            func atoms() -> [Atom] { (0..<Int.random(in: 0...3, using: &rng)).map { _ in Self.randomAtom(&rng) } }
            var spec = ApplicationResource(name: Self.randomAtom(&rng), vsn: Self.randomString(&rng))
            spec.description = Self.randomString(&rng)
            spec.modules = Array(Set(atoms())).sorted()
            spec.registered = atoms()
            spec.applications = atoms()
            spec.includedApplications = atoms()
            if Bool.random(using: &rng) { spec.mod = StartModule(module: Self.randomAtom(&rng), args: Self.randomTerm(&rng, depth: 2)) }
            spec.env = atoms().map { KeyValue(key: $0, value: Self.randomTerm(&rng, depth: 1)) }
            do {
                let text = try TermFile.format([spec.term])
                let back = try ApplicationResource(term: try TermFile.parse(text).single())
                #expect(back == spec, "seed \(seed)")
            } catch {
                Issue.record("seed \(seed): \(error)")   // propertyCheck drops thrown errors
            }
        }
    }
}
