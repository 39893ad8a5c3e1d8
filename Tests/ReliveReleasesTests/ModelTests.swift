import ReliveKit
import Testing
@testable import ReliveReleases

@Suite struct ModelTests {
    private func term(_ text: String) throws -> Term { try TermFile.parse(text).single() }

    /// Writes `term` as text, reads it back: the written file must read as the same term.
    private func reread(_ term: Term) throws -> Term {
        try TermFile.parse(try TermFile.format([term])).single()
    }

    @Test func applicationReadsAndRoundTrips() throws {
        let t = try term("""
            {application, counter,
             [{description, "A counter"}, {vsn, "2.0.0"}, {id, ""},
              {modules, [counter_app, counter_srv]}, {registered, [counter]},
              {applications, [kernel, stdlib]}, {included_applications, [inner]},
              {mod, {counter_app, [1]}}, {env, [{max, 10}]}, {maxT, infinity},
              {start_phases, [{init, []}]}, {custom, "kept"}]}.
            """)
        let app = try ApplicationResource(term: t, file: "counter.app")
        #expect(app.name == Atom("counter"))
        #expect(app.vsn == "2.0.0")
        #expect(app.id == "")
        #expect(app.modules == [Atom("counter_app"), Atom("counter_srv")])
        #expect(app.mod == StartModule(module: "counter_app", args: .list([.int(1)])))
        #expect(app.env == [KeyValue(key: "max", value: .int(10))])
        #expect(app.extra == [KeyValue(key: "custom", value: .string("kept"))])
        #expect(try ApplicationResource(term: try reread(app.term)) == app)
    }

    @Test func applicationAcceptsErlangStringForms() throws {
        // "" is [] in Erlang; a list of character codes is a string.
        let app = try ApplicationResource(term: try term("{application, a, [{vsn, [49,46,48]}, {description, []}, {modules, []}]}."))
        #expect(app.vsn == "1.0")
        #expect(app.description == "")
    }

    @Test(arguments: [
        ("{application, a, [{modules, []}]}.", "missing {vsn"),
        ("{application, a, [{vsn, \"1\"}]}.", "missing {modules"),
        ("{application, a, [{vsn, 1}, {modules, []}]}.", "vsn: expected a string, got 1"),
        ("{application, a, [{vsn, \"1\"}, {modules, [m, \"n\"]}]}.", "modules: expected a list of atoms"),
        ("{application, a, [{vsn, \"1\"}, {modules, [m, m]}]}.", "listed twice"),
        ("{application, \"a\", []}.", "application name: expected an atom"),
        ("{app, a, []}.", "expected {application"),
        ("{application, a, [{vsn, \"1\"}, {modules, []}, {maxT, 0}]}.", "maxT"),
        ("{application, a, [{vsn, \"1\"}, {modules, []}, {mod, m}]}.", "mod: expected a tuple"),
    ] as [(String, String)])
    func applicationErrorsNameTheField(_ text: String, _ message: String) throws {
        let t = try term(text)
        let e = try #require(throws: ModelError.self) { try ApplicationResource(term: t, file: "a.app", position: SourcePosition(line: 1, column: 1)) }
        #expect(e.description.hasPrefix("a.app:1:1: bad .app"), "\(e)")
        #expect(e.message.contains(message), "\(e)")
    }

    @Test func releaseReadsAndRoundTrips() throws {
        let rel = try ReleaseSpec(term: try term("""
            {release, {"shop", "2"}, {erts, "13.1"},
             [{kernel, "8.5"}, {counter, "2.0.0", transient}, {web, "1.0", [inner]},
              {inner, "1.0", load, []}]}.
            """))
        #expect(rel.name == "shop" && rel.vsn == "2" && rel.runtimeVsn == "13.1")
        #expect(rel.applications.map(\.startType) == [.permanent, .transient, .permanent, .load])
        #expect(rel.application("web")?.includedApplications == [Atom("inner")])
        #expect(try ReleaseSpec(term: try reread(rel.term)) == rel)
        let relive = try ReleaseSpec(term: try term("{release, {\"r\", \"1\"}, {relive, \"0.1\"}, []}."))
        #expect(relive.runtimeTag == Atom("relive"))
        #expect(try ReleaseSpec(term: try reread(relive.term)) == relive)
    }

    @Test(arguments: [
        ("{release, {\"r\", \"1\"}, {erts, \"1\"}, [{a, \"1\"}, {a, \"2\"}]}.", "listed twice"),
        ("{release, {\"r\", \"1\"}, {erts, \"1\"}, [{a, \"1\", forever}]}.", "start type"),
        ("{release, {\"r\", \"1\"}, {beam, \"1\"}, []}.", "{erts, Vsn}"),
        ("{release, {r, \"1\"}, {erts, \"1\"}, []}.", "release name"),
        ("{release, {\"r\", \"1\"}, {erts, \"1\"}, [a]}.", "application: expected a tuple"),
    ] as [(String, String)])
    func releaseErrors(_ text: String, _ message: String) throws {
        let t = try term(text)
        let e = try #require(throws: ModelError.self) { try ReleaseSpec(term: t, file: "r.rel") }
        #expect(e.kind == ".rel")
        #expect(e.message.contains(message), "\(e)")
    }

    @Test func appupReadsAndRoundTrips() throws {
        let appup = try Appup(term: try term("""
            {"2.0", [{"1.0", [{load_module, m}]}, {<<"1\\\\..*">>, [{update, m, {advanced, []}}]}],
                    [{"1.0", []}]}.
            """))
        #expect(appup.up.map(\.version) == [.exact("1.0"), .regex("1\\..*")])
        #expect(Appup.search("1.5", in: appup.up) == [.tuple([.atom("update"), .atom("m"), .tuple([.atom("advanced"), .list([])])])])
        #expect(Appup.search("1.0", in: appup.up) == [.tuple([.atom("load_module"), .atom("m")])])
        #expect(Appup.search("2.0", in: appup.up) == nil)
        #expect(try Appup(term: try reread(appup.term)) == appup)
        #expect(throws: ModelError.self) { try Appup(term: .tuple([.string("1"), .list([.atom("x")]), .list([])])) }
        #expect(throws: ModelError.self) { try Appup(term: .tuple([.string("1"), .list([.tuple([.string("0"), .atom("x")])]), .list([])])) }
    }

    @Test func versionPatternsMatchTheWholeVersionWithTheFirstMatch() {
        #expect(VersionPattern.regex("1\\.0").matches("1.0"))
        #expect(!VersionPattern.regex("1\\.0").matches("1.0.1"))
        #expect(VersionPattern.regex("1\\.[0-9]+").matches("1.42"))
        // OTP takes the first match: "1.0" matches first and is not the whole version.
        #expect(!VersionPattern.regex("1\\.0|1\\.0\\.1").matches("1.0.1"))
        #expect(VersionPattern.regex("1\\.0\\.1|1\\.0").matches("1.0.1"))
        #expect(!VersionPattern.regex("(unclosed").matches("(unclosed"))
        #expect(VersionPattern.exact("1.0").matches("1.0") && !VersionPattern.exact("1.0").matches("1.00"))
    }

    @Test func relupRoundTripsAndReadsOTPOutput() throws {
        let doc = try TermFile.read(path: FixtureSupport.relupRoot + "/several_bases/expected.term")
        let relup = try Relup(term: try doc.single().at(1), file: "relup")
        #expect(relup.vsn == "2")
        #expect(relup.up.map(\.vsn) == ["1.5", "1"])
        #expect(relup.down.first?.instructions.contains(.atom("point_of_no_return")) == true)
        #expect(try Relup(term: try reread(relup.term)) == relup)
        #expect(throws: ModelError.self) { try Relup(term: .tuple([.string("2"), .list([.tuple([.string("1"), .list([])])]), .list([])])) }
    }

    @Test func releasesFileRoundTrips() throws {
        let file = try ReleasesFile(term: try term("""
            [{release, "shop", "2", "13.1", [{kernel, "8.5", "/r/lib/kernel-8.5"}, {counter, "2.0.0", "/r/lib/counter-2.0.0"}], current},
             {release, "shop", "1", "13.1", [{kernel, "8.5", "/r/lib/kernel-8.5"}], permanent}].
            """))
        #expect(file.releases.map(\.status) == [.current, .permanent])
        #expect(file.releases.first?.applications.last?.dir == "/r/lib/counter-2.0.0")
        #expect(try ReleasesFile(term: try reread(file.term)) == file)
        let two = try term("[{release, \"s\", \"1\", \"1\", [], permanent}, {release, \"s\", \"2\", \"1\", [], permanent}].")
        #expect(throws: ModelError.self) { try ReleasesFile(term: two) }
        let dup = try term("[{release, \"s\", \"1\", \"1\", [], old}, {release, \"s\", \"1\", \"1\", [], old}].")
        #expect(throws: ModelError.self) { try ReleasesFile(term: dup) }
        let bad = try term("[{release, \"s\", \"1\", \"1\", [], installed}].")
        let e = try #require(throws: ModelError.self) { try ReleasesFile(term: bad, file: "RELEASES") }
        #expect(e.message.contains("release 1: status"))
    }

    @Test func sysConfigRoundTrips() throws {
        let config = try SysConfig(term: try term("""
            [{counter, [{max, 10}, {name, "c"}]}, "extra.config", {kernel, []}].
            """))
        #expect(config.environment(of: "counter") == [KeyValue(key: "max", value: .int(10)), KeyValue(key: "name", value: .string("c"))])
        #expect(config.entries[1] == .include("extra.config"))
        #expect(try SysConfig(term: try reread(config.term)) == config)
        let e = try #require(throws: ModelError.self) { try SysConfig(term: try term("[{counter, [max]}]."), file: "sys.config") }
        #expect(e.message.contains("environment of counter"))
    }

    @Test func readingFilesReportsBothKindsOfError() throws {
        #expect(throws: TermFileError.self) { try ApplicationResource.read(path: "/nonexistent/x.app") }
        let unreadable = try #require(throws: TermFileError.self) { try TermFile.read(path: "/nonexistent/x.app") }
        #expect(unreadable.description == "/nonexistent/x.app: cannot read the file")
        let dir = FixtureSupport.relupRoot + "/update_forms/apps/a-2"
        let app = try ApplicationResource.read(path: dir + "/a.app")
        #expect(app.vsn == "2")
        let appup = try Appup.read(path: dir + "/a.appup")
        #expect(appup.up.first?.instructions.count == 9)
    }
}
