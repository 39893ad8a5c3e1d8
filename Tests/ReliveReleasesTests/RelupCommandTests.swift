import Foundation
import ReliveKit
import Testing
@testable import ReliveReleases

/// `relive relup` end to end, when the `relive` executable has been built next
/// to the tests (`swift build --build-tests` and `swift test` build it).
@Suite(.enabled(if: FixtureSupport.reliveExecutable != nil, "the relive executable is not built"))
struct RelupCommandTests {
    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    private func run(_ arguments: [String]) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(FixtureSupport.reliveExecutable))
        process.arguments = ["relup"] + arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    private func arguments(_ name: String, old: String = "old.rel") -> [String] {
        let dir = FixtureSupport.relupRoot + "/" + name
        return ["--from", dir + "/" + old, "--to", dir + "/new.rel", "--path"] + FixtureSupport.pathDirectories(dir)
    }

    @Test func compilesToAFileAsOTPWouldWriteIt() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("relup-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let r = try run(arguments("depmods_chain") + ["--out", out])
        #expect(r.status == 0, "\(r.stderr)")
        let text = try String(contentsOfFile: out, encoding: .utf8)
        #expect(text.hasPrefix("%% coding: utf-8\n"))
        let expected = try TermFile.read(path: FixtureSupport.relupRoot + "/depmods_chain/expected.term").single().at(1)
        let written = try TermFile.parse(text).single()
        #expect(FixtureSupport.normalize(written) == FixtureSupport.normalize(expected))
    }

    @Test func writesToStandardOutputAndWarnsOnStandardError() throws {
        let r = try run(arguments("uncovered_module"))
        #expect(r.status == 0)
        #expect(r.stderr.contains("warning: uncovered_module"))
        #expect(try Relup(term: try TermFile.parse(r.stdout).single()).vsn == "2")
        let strict = try run(arguments("uncovered_module") + ["--strict"])
        #expect(strict.status == 1)
        #expect(strict.stderr.hasPrefix("error: uncovered_module:"))
        #expect(strict.stdout.isEmpty)
    }

    @Test func compileErrorsExitOneWithOTPsName() throws {
        let r = try run(arguments("err_suspended_not_resumed"))
        #expect(r.status == 1)
        #expect(r.stderr.hasPrefix("error: suspended_not_resumed:"), "\(r.stderr)")
        let missing = try run(["--from", "/nonexistent.rel", "--to", "/nonexistent.rel", "--path", "/tmp"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("/nonexistent.rel: cannot read the file"))
    }

    @Test func usageErrorsExit64() throws {
        #expect(try run(["--to", "x.rel"]).status == 64)
        #expect(try run(["--from", "a.rel", "--to", "b.rel"]).status == 64)
        #expect(try run(["--bogus"]).status == 64)
    }
}
