import ReliveKit

extension ReleasesFile {
    /// Reads a `RELEASES` term.
    ///
    /// - Throws: ``ModelError`` naming the release and field that is malformed;
    ///   also when two releases share a vsn or more than one is permanent.
    public init(term: Term, file: String = "<input>", position: SourcePosition? = nil) throws(ModelError) {
        let d = ModelDecoder(file: file, position: position, kind: "RELEASES")
        var out: [Release] = []
        for element in try d.list(term, "releases") {
            guard case .tuple(let e) = element, e.count == 6, e[0] == .atom("release") else {
                throw d.error("expected {release, Name, Vsn, ErtsVsn, Apps, Status}, got \(ModelDecoder.show(element))")
            }
            let name = try d.string(e[1], "release name")
            let vsn = try d.string(e[2], "release vsn")
            let field = "release \(vsn)"
            let runtime = try d.string(e[3], "\(field) erts vsn")
            var apps: [InstalledApplication] = []
            for a in try d.list(e[4], "\(field) applications") {
                let t = try d.tuple(a, "\(field) application {App, Vsn, Dir}", counts: 3...3)
                apps.append(InstalledApplication(name: try d.atom(t[0], "\(field) application name"),
                                                 vsn: try d.string(t[1], "\(field) application vsn"),
                                                 dir: try d.string(t[2], "\(field) application dir")))
            }
            guard case .atom(let s) = e[5], let status = ReleaseStatus(rawValue: s.name) else {
                throw d.error("\(field): status must be permanent, current, unpacked or old, got \(ModelDecoder.show(e[5]))")
            }
            guard !out.contains(where: { $0.vsn == vsn }) else { throw d.error("release \(vsn) is listed twice") }
            out.append(Release(name: name, vsn: vsn, runtimeVsn: runtime, applications: apps, status: status))
        }
        guard out.filter({ $0.status == .permanent }).count <= 1 else {
            throw d.error("more than one release is permanent")
        }
        releases = out
    }

    /// The file's term; reading it back gives an equal value.
    public var term: Term {
        .list(releases.map { r in
            .tuple([.atom("release"), .string(r.name), .string(r.vsn), .string(r.runtimeVsn),
                    .list(r.applications.map { .tuple([.atom($0.name), .string($0.vsn), .string($0.dir)]) }),
                    .atom(r.status.rawValue)])
        })
    }

    /// Reads `path` (a `RELEASES` file holding one term).
    public static func read(path: String) throws -> ReleasesFile {
        let doc = try TermFile.read(path: path)
        return try ReleasesFile(term: try doc.single(), file: path, position: doc.positions.first)
    }
}
