import ReliveKit
import Testing
@testable import ReliveReleases

@Suite struct RelupInstructionTests {
    /// Every instruction OTP wrote in a fixture reads as a typed instruction and writes back the same term.
    @Test func everyInstructionOfEveryOTPRelupRoundTrips() throws {
        var count = 0
        var kinds = Set<String>()
        for name in FixtureSupport.relupCases {
            let expected = try TermFile.read(path: FixtureSupport.relupRoot + "/" + name + "/expected.term").single()
            guard expected.tag == "ok" else { continue }
            let relup = try Relup(term: expected.at(1))
            for entry in relup.up + relup.down {
                let typed = try entry.typedInstructions()
                #expect(typed.count == entry.instructions.count)
                for (t, term) in zip(typed, entry.instructions) {
                    #expect(FixtureSupport.normalize(t.term) == FixtureSupport.normalize(term))
                    kinds.insert(term.tag ?? term.atomValue?.name ?? "?")
                    count += 1
                }
            }
        }
        #expect(count > 300)
        #expect(kinds.isSuperset(of: ["load_object_code", "point_of_no_return", "load", "remove", "purge", "suspend",
                                      "resume", "code_change", "stop", "start", "sync_nodes", "apply",
                                      "restart_new_emulator", "restart_emulator"]))
    }

    @Test func typedValues() throws {
        let t = try TermFile.parse("{suspend, [m1, {m2, 3000}, {m3, infinity}]}.").single()
        #expect(try RelupInstruction(term: t) == .suspend([
            .init(module: "m1"), .init(module: "m2", timeout: .milliseconds(3000)), .init(module: "m3", timeout: .infinity),
        ]))
        let c = try TermFile.parse("{code_change, down, [{m, {x, 1}}]}.").single()
        #expect(try RelupInstruction(term: c) == .codeChange(mode: .down, changes: [.init(module: "m", extra: .tuple([.atom("x"), .int(1)]))]))
    }

    @Test(arguments: ["{update, m}.", "{load, {m, gentle, brutal_purge}}.", "{suspend, [{m, 0}]}.", "{code_change, sideways, []}.",
                      "{apply, {m, f, x}}.", "{load_object_code, {a, 1, [m]}}.", "restart_everything.", "[].", "{purge, [\"m\"]}."])
    func highLevelAndMalformedAreBadInstructions(_ text: String) throws {
        let t = try TermFile.parse(text).single()
        let e = try #require(throws: RelupError.self) { try RelupInstruction(term: t) }
        #expect(e.name == "bad_instruction")
        #expect(e.reason == .tuple([.atom("bad_instruction"), t]))
    }
}
