import ReliveKit
import Testing
@testable import ReliveReleases

/// The compiler on in-memory applications: Relive's additions and the edges
/// the fixtures do not reach.
@Suite struct RelupCompilerTests {
    private func t(_ text: String) throws -> Term { try TermFile.parse(text).single() }

    private func app(_ name: String, _ vsn: String, _ mods: [String], appup: String? = nil, uses: [String] = []) throws -> ApplicationVersion {
        let spec = ApplicationResource(name: Atom(name), vsn: vsn, modules: mods.map { Atom($0) }, applications: uses.map { Atom($0) })
        return ApplicationVersion(spec: spec, file: "\(name)-\(vsn)", appup: try appup.map { try Appup(term: try t($0)) })
    }

    private func release(_ vsn: String, _ apps: [(String, String)], runtime: String = "1") -> RelupCompiler.Input {
        .init(release: ReleaseSpec(name: "r", vsn: vsn, runtimeVsn: runtime,
                                   applications: apps.map { .init(name: Atom($0.0), vsn: $0.1) }))
    }

    @Test func uncoveredModulesWarnAndStrictFails() throws {
        let catalog = ApplicationCatalog([
            try app("a", "1", ["m1", "m2", "m3"]),
            try app("a", "2", ["m1", "m2", "m4"], appup: #"{"2", [{"1", [{load_module, m1}, {add_module, m4}]}], [{"1", [{update, m2}]}]}."#),
        ])
        let old = release("1", [("a", "1")]), new = release("2", [("a", "2")])
        let output = try RelupCompiler(catalog: catalog).compile(to: new, upFrom: [old], downTo: [old])
        let names = output.warnings.map(\.term)
        #expect(names == [
            try t(#"{uncovered_module, {a, m2, "1"}}."#),
            try t(#"{uncovered_module, {a, m1, "1"}}."#),
        ])
        let strict = RelupCompiler(catalog: catalog, options: .init(strict: true))
        let e = try #require(throws: RelupError.self) { try strict.compile(to: new, upFrom: [old], downTo: [old]) }
        #expect(e.name == "uncovered_module")
    }

    @Test func restartApplicationCoversEveryModule() throws {
        let catalog = ApplicationCatalog([
            try app("a", "1", ["m1", "m2"]),
            try app("a", "2", ["m1", "m2"], appup: #"{"2", [{"1", [{restart_application, a}]}], [{"1", [{restart_application, a}]}]}."#),
        ])
        let old = release("1", [("a", "1")]), new = release("2", [("a", "2")])
        let output = try RelupCompiler(catalog: catalog, options: .init(strict: true)).compile(to: new, upFrom: [old], downTo: [old])
        #expect(output.warnings.isEmpty)
        #expect(output.relup.up.first?.instructions.first == (try t(#"{load_object_code, {a, "2", [m1, m2]}}."#)))
    }

    @Test func runtimeChangeRestartsFirstUpAndLastDown() throws {
        let catalog = ApplicationCatalog([try app("a", "1", ["m1"])])
        let old = release("1", [("a", "1")], runtime: "0.1"), new = release("2", [("a", "1")], runtime: "0.2")
        let output = try RelupCompiler(catalog: catalog, options: .init(restartEmulator: true)).compile(to: new, upFrom: [old], downTo: [old])
        #expect(output.relup.up.first?.instructions == [.atom("restart_new_emulator"), .atom("point_of_no_return"), .atom("restart_emulator")])
        #expect(output.relup.down.first?.instructions == [.atom("point_of_no_return"), .atom("restart_emulator")])
        #expect(output.warnings.map(\.name) == ["erts_vsn_changed", "erts_vsn_changed"])
    }

    @Test func missingApplicationsAndAppupsAreNamedErrors() throws {
        let catalog = ApplicationCatalog([try app("a", "1", ["m1"]), try app("a", "2", ["m1"])])
        let compiler = RelupCompiler(catalog: catalog)
        let e1 = try #require(throws: RelupError.self) {
            try compiler.compile(to: release("2", [("a", "3")]), upFrom: [release("1", [("a", "1")])], downTo: [])
        }
        #expect(e1.name == "error_reading" && e1.message.contains("\"1\", \"2\""))
        let e2 = try #require(throws: RelupError.self) {
            try compiler.compile(to: release("2", [("a", "2")]), upFrom: [release("1", [("a", "1")])], downTo: [])
        }
        #expect(e2.name == "file_problem")
    }

    @Test func releaseResolutionChecks() throws {
        let catalog = ApplicationCatalog([
            try app("a", "1", ["m1"], uses: ["b"]),
            try app("b", "1", ["m1"]),
            try app("c", "1", ["c1"], uses: ["kernel", "stdlib", "d"]),
            try app("d", "1", ["d1"], uses: ["c"]),
            ApplicationVersion(spec: ApplicationResource(name: "e", vsn: "1", modules: ["e1"], includedApplications: ["f"]), file: "e"),
            ApplicationVersion(spec: ApplicationResource(name: "f", vsn: "1", modules: ["f1"], includedApplications: ["e"]), file: "f"),
        ])
        let compiler = RelupCompiler(catalog: catalog)
        func failure(_ apps: [(String, String)]) throws -> RelupError {
            try #require(throws: RelupError.self) { try compiler.compile(to: release("1", apps), upFrom: [], downTo: []) }
        }
        #expect(try failure([("a", "1")]).name == "undefined_applications")
        #expect(try failure([("a", "1"), ("b", "1")]).name == "duplicate_modules")
        #expect(try failure([("c", "1"), ("d", "1")]).name == "circular_dependencies")
        // systools loops forever on included applications that include each other.
        #expect(try failure([("e", "1"), ("f", "1")]).name == "circular_dependencies")
        // kernel/stdlib are provided by the host when the release lacks them.
        #expect(throws: Never.self) { try compiler.compile(to: release("1", [("b", "1")]), upFrom: [], downTo: []) }
    }

    @Test func longDependencyChainsDoNotExhaustTheStack() throws {
        let n = 3000
        let mods = (0..<n).map { "m\($0)" }
        let instrs = (0..<n).map { i in i + 1 < n ? "{update, m\(i), [m\(i + 1)]}" : "{update, m\(i)}" }.joined(separator: ", ")
        let appup = "{\"2\", [{\"1\", [\(instrs)]}], [{\"1\", []}]}."
        let catalog = ApplicationCatalog([try app("a", "1", mods), try app("a", "2", mods, appup: appup)])
        let output = try RelupCompiler(catalog: catalog).compile(to: release("2", [("a", "2")]), upFrom: [release("1", [("a", "1")])], downTo: [])
        let script = try #require(output.relup.up.first?.instructions)
        #expect(script[2] == .tuple([.atom("suspend"), .list(mods.map { .atom(Atom($0)) })]))
        #expect(script[3] == (try t("{load, {m\(n - 1), brutal_purge, brutal_purge}}.")))
    }
}
