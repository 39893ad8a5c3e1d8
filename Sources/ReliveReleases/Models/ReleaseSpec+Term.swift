import ReliveKit

extension ReleaseSpec {
    /// Reads a release spec from its term.
    ///
    /// - Throws: ``ModelError`` naming the file and the field (a duplicated
    ///   application is an error, as in systools).
    public init(term: Term, file: String = "<input>", position: SourcePosition? = nil) throws(ModelError) {
        let d = ModelDecoder(file: file, position: position, kind: ".rel")
        guard case .tuple(let top) = term, top.count == 4, top[0] == .atom("release") else {
            throw d.error("expected {release, {Name, Vsn}, {erts, Vsn}, [Application]}, got \(ModelDecoder.show(term))")
        }
        let nameVsn = try d.tuple(top[1], "release {Name, Vsn}", counts: 2...2)
        name = try d.string(nameVsn[0], "release name")
        vsn = try d.string(nameVsn[1], "release vsn")
        let runtime = try d.tuple(top[2], "{erts, Vsn}", counts: 2...2)
        guard case .atom(let tag) = runtime[0], tag.name == "erts" || tag.name == "relive" else {
            throw d.error("expected {erts, Vsn} (or {relive, Vsn}), got \(ModelDecoder.show(top[2]))")
        }
        runtimeTag = tag
        runtimeVsn = try d.string(runtime[1], "erts vsn")
        applications = []
        var seen = Set<Atom>()
        for entry in try d.list(top[3], "applications") {
            let e = try d.tuple(entry, "application", counts: 2...4)
            let app = try d.atom(e[0], "application name")
            let field = "application \(app.name)"
            var a = Application(name: app, vsn: try d.string(e[1], "\(field) vsn"))
            func startType(_ t: Term) throws(ModelError) -> StartType {
                guard case .atom(let x) = t, let type = StartType(rawValue: x.name) else {
                    throw d.error("\(field): start type must be permanent, transient, temporary, load or none, got \(ModelDecoder.show(t))")
                }
                return type
            }
            if e.count == 3 {
                if case .atom = e[2] { a.type = try startType(e[2]) } else { a.includedApplications = try d.atoms(e[2], "\(field) included applications") }
            } else if e.count == 4 {
                a.type = try startType(e[2])
                a.includedApplications = try d.atoms(e[3], "\(field) included applications")
            }
            guard seen.insert(app).inserted else { throw d.error("application \(app.name) is listed twice") }
            applications.append(a)
        }
    }

    /// The release as its `.rel` term; reading it back gives an equal spec.
    public var term: Term {
        .tuple([
            .atom("release"),
            .tuple([.string(name), .string(vsn)]),
            .tuple([.atom(runtimeTag), .string(runtimeVsn)]),
            .list(applications.map { a in
                var e: [Term] = [.atom(a.name), .string(a.vsn)]
                if let t = a.type { e.append(.atom(t.rawValue)) }
                if let inc = a.includedApplications { e.append(.list(inc.map { .atom($0) })) }
                return .tuple(e)
            }),
        ])
    }

    /// Reads `path` (a `.rel` file holding one term).
    public static func read(path: String) throws -> ReleaseSpec {
        let doc = try TermFile.read(path: path)
        return try ReleaseSpec(term: try doc.single(), file: path, position: doc.positions.first)
    }
}
