import Foundation
import ReliveKit
import Testing
@testable import ReliveReleases

/// Relive's relup compiler against systools:make_relup's own output, stored by
/// tools/regen-relup-fixtures. A case may hold `relive-expected.term` where
/// Relive deliberately differs (its NOTES.md says why); then Relive must
/// produce that, and OTP's output must really be different.
@Suite struct RelupParityTests {
    @Test func thereAreCases() {
        #expect(FixtureSupport.relupCases.count >= 40)
    }

    @Test(arguments: FixtureSupport.relupCases)
    func parity(_ name: String) throws {
        let dir = FixtureSupport.relupRoot + "/" + name
        let otp = try TermFile.read(path: dir + "/expected.term").single()
        var expected = otp
        let override = dir + "/relive-expected.term"
        if FileManager.default.fileExists(atPath: override) {
            expected = try TermFile.read(path: override).single()
            #expect(FileManager.default.fileExists(atPath: dir + "/NOTES.md"), "a deliberate difference needs NOTES.md")
            #expect(FixtureSupport.normalize(expected) != FixtureSupport.normalize(otp), "the override equals OTP's output")
        }
        let result = Result { try FixtureSupport.compile(dir) }
        switch (expected.tag, result) {
        case ("ok", .success(let output)):
            #expect(FixtureSupport.normalize(output.relup.term) == FixtureSupport.normalize(expected.at(1)))
            let otpWarnings = Set((expected.at(2).listElements ?? []).map(FixtureSupport.normalize))
            let ours = Set(output.warnings.filter { $0.name != "uncovered_module" }.map { FixtureSupport.normalize($0.term) })
            #expect(ours == otpWarnings)
        case ("error", .failure(let error)):
            let e = try #require(error as? RelupError, "\(error)")
            let reason = expected.at(2)
            let name = reason.tag ?? (reason.atomValue?.name ?? "?")
            #expect(e.name == name, "\(e)")
            if expected.at(1).isAtom("systools_rc") {
                #expect(FixtureSupport.normalize(e.reason) == FixtureSupport.normalize(reason))
            } else if name == "no_relup" {
                // OTP's reason holds its #application record; compare the version looked for.
                #expect(FixtureSupport.normalize(e.reason.at(3)) == FixtureSupport.normalize(reason.at(3)))
            }
        case (_, .success(let output)):
            Issue.record("expected \(expected), Relive compiled \(output.relup.term)")
        case (_, .failure(let error)):
            Issue.record("expected \(expected), Relive failed: \(error)")
        }
    }
}
