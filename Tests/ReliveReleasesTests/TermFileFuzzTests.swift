import Foundation
import ReliveKit
import Testing
@testable import ReliveReleases

/// Random bytes and mutations of valid files: the reader must answer with
/// terms or a positioned error, never trap (a trap would end the test process).
@Suite struct TermFileFuzzTests {
    /// A small deterministic generator (SplitMix64), so failures reproduce.
    struct SeededRandom: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D1_049B_B133_11EB
            return z ^ (z >> 31)
        }
    }

    static let seeds: [String] = [
        "{application, counter,\n [{description, \"A counter\"},\n  {vsn, \"2.0.0\"},\n  {modules, [counter_srv, 'counter sup']},\n  {env, [{max, 16#FF}, {ratio, -1.5e-3}, {c, $\\n}]}]}.\n",
        "%% appup\n{\"2\", [{<<\"1\\\\..*\">>, [{update, m, {advanced, []}, [n]}]}], [{\"1\", [point_of_no_return]}]}.\n",
        "#{a => [1, 2 | [3]], <<\"k\">> => <<1,2,3>>, \"s\" \"t\" => 'q\\'x'}.\nok. [].\n",
    ]

    /// How many inputs each test tries (fixed, with the fixed seeds, so every run tries the same ones).
    static let randomInputs = 4_000
    static let mutations = 4_000

    private func check(_ bytes: [UInt8]) -> Bool {
        do {
            let doc = try TermFile.parse(bytes, file: "fuzz")
            // What was read must write and read back equal.
            let text = try TermFile.format(doc.terms)
            return (try? TermFile.parse(text).terms) == doc.terms
        } catch let e as TermFileError {
            return e.position.line >= 1 && e.position.column >= 1 && !e.message.isEmpty && !e.description.isEmpty
        } catch {
            return false
        }
    }

    @Test func randomBytes() {
        var rng = SeededRandom(state: 0xC0FFEE)
        let alphabet = Array("{}[]<>#,.|'\"$\\%=-+/: \n\tazAZ09_@éx".utf8)
        // A fixed count, not a time budget: the same inputs on a busy machine as on a quiet one.
        for _ in 0..<Self.randomInputs {
            let count = Int.random(in: 0...64, using: &rng)
            let bytes: [UInt8] = (0..<count).map { _ in
                Bool.random(using: &rng) ? UInt8.random(in: 0...255, using: &rng) : alphabet.randomElement(using: &rng) ?? 0
            }
            #expect(check(bytes), "input: \(bytes)")
        }
    }

    @Test func mutationsOfValidFiles() {
        var rng = SeededRandom(state: 42)
        for seed in Self.seeds { #expect(check(Array(seed.utf8))) }
        for _ in 0..<Self.mutations {
            var bytes = Array((Self.seeds.randomElement(using: &rng) ?? "").utf8)
            for _ in 0..<Int.random(in: 1...4, using: &rng) where !bytes.isEmpty {
                let i = Int.random(in: 0..<bytes.count, using: &rng)
                switch Int.random(in: 0..<5, using: &rng) {
                case 0: bytes[i] = UInt8.random(in: 0...255, using: &rng)
                case 1: bytes.remove(at: i)
                case 2: bytes.insert(bytes[Int.random(in: 0..<bytes.count, using: &rng)], at: i)
                case 3: bytes = Array(bytes[..<i])
                default:
                    let j = Int.random(in: i..<bytes.count, using: &rng)
                    bytes.insert(contentsOf: bytes[i...j], at: j)
                }
            }
            #expect(check(bytes), "input: \(String(decoding: bytes, as: UTF8.self))")
        }
    }
}
