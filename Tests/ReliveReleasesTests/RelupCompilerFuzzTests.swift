import Foundation
import ReliveKit
import Testing
@testable import ReliveReleases

/// Appups with randomly mutated instructions: the compiler must answer with a
/// relup (whose every instruction is a well-formed low-level one) or a named
/// error, never trap.
@Suite struct RelupCompilerFuzzTests {
    typealias Random = TermFileFuzzTests.SeededRandom

    static let pieces: [Term] = [
        .atom("update"), .atom("load_module"), .atom("add_module"), .atom("delete_module"), .atom("apply"),
        .atom("add_application"), .atom("remove_application"), .atom("restart_application"), .atom("suspend"),
        .atom("resume"), .atom("code_change"), .atom("load"), .atom("purge"), .atom("remove"), .atom("stop"),
        .atom("start"), .atom("load_object_code"), .atom("point_of_no_return"), .atom("sync_nodes"),
        .atom("restart_new_emulator"), .atom("restart_emulator"), .atom("soft"), .atom("supervisor"),
        .atom("static"), .atom("dynamic"), .atom("default"), .atom("infinity"), .atom("brutal_purge"),
        .atom("soft_purge"), .atom("up"), .atom("down"), .atom("permanent"), .atom("load"),
        .atom("m1"), .atom("m2"), .atom("m3"), .atom("a"), .atom("b"), .int(0), .int(5000), .int(-1),
        .string("2"), .string(""), .list([]), .tuple([.atom("advanced"), .list([])]),
        .list([.atom("m1")]), .list([.atom("m2"), .atom("m3")]), .binary([1]),
    ]

    static func randomInstruction(_ rng: inout Random) -> Term {
        if Int.random(in: 0..<4, using: &rng) == 0 { return pieces.randomElement(using: &rng) ?? .list([]) }
        let count = Int.random(in: 1...8, using: &rng)
        var elements = (0..<count).map { _ in pieces.randomElement(using: &rng) ?? .list([]) }
        if Bool.random(using: &rng), count > 1 {
            elements[Int.random(in: 1..<count, using: &rng)] = .tuple((0..<3).map { _ in pieces.randomElement(using: &rng) ?? .int(1) })
        }
        return .tuple(elements)
    }

    static func rel(_ vsn: String, _ apps: [(Atom, String)]) -> RelupCompiler.Input {
        .init(release: ReleaseSpec(name: "r", vsn: vsn, runtimeVsn: "1", applications: apps.map { .init(name: $0.0, vsn: $0.1) }))
    }

    @Test func randomInstructionsNeverTrap() {
        var rng = Random(state: 7)
        let mods: [Atom] = ["m1", "m2", "m3"]
        // A fixed count with a fixed seed: every run, on any machine, tries the same inputs.
        var compiled = 0, failed = 0
        for _ in 0..<1_500 {
            let up = (0..<Int.random(in: 0...6, using: &rng)).map { _ in Self.randomInstruction(&rng) }
            let down = (0..<Int.random(in: 0...6, using: &rng)).map { _ in Self.randomInstruction(&rng) }
            let appup = Appup(vsn: "2", up: [.init(version: .exact("1"), instructions: up)],
                              down: [.init(version: .regex("1|.*"), instructions: down)])
            let catalog = ApplicationCatalog([
                ApplicationVersion(spec: ApplicationResource(name: "a", vsn: "1", modules: mods), file: "a1"),
                ApplicationVersion(spec: ApplicationResource(name: "a", vsn: "2", modules: mods), file: "a2", appup: appup),
                ApplicationVersion(spec: ApplicationResource(name: "b", vsn: "1", modules: ["b1"]), file: "b1"),
            ])
            let result = Result { () throws(RelupError) -> RelupCompiler.Output in
                try RelupCompiler(catalog: catalog).compile(to: Self.rel("2", [("a", "2"), ("b", "1")]),
                                                            upFrom: [Self.rel("1", [("a", "1")])], downTo: [Self.rel("1", [("a", "1")])])
            }
            switch result {
            case .success(let out):
                for entry in out.relup.up + out.relup.down {
                    #expect(throws: Never.self) { try ScriptTranslator.checkSyntax(entry.instructions) }
                    #expect(entry.instructions.filter { $0 == .atom("point_of_no_return") }.count == 1)
                }
                compiled += 1
            case .failure(let e):
                #expect(!e.name.isEmpty)
                failed += 1
            }
        }
        #expect(compiled > 10 && failed > 10, "compiled \(compiled), failed \(failed)")
    }
}
