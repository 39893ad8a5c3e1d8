import ReliveKit

extension SysConfig {
    /// Reads a `sys.config` term.
    ///
    /// - Throws: ``ModelError`` naming the application whose entry is malformed.
    public init(term: Term, file: String = "<input>", position: SourcePosition? = nil) throws(ModelError) {
        let d = ModelDecoder(file: file, position: position, kind: "sys.config")
        var out: [Entry] = []
        for element in try d.list(term, "config") {
            if let path = element.erlangString, case .list = element, path.isEmpty {
                throw d.error("an empty list is not a config entry")
            }
            if let path = element.erlangString {
                out.append(.include(path))
                continue
            }
            let t = try d.tuple(element, "entry {App, [{Key, Value}]}", counts: 2...2)
            let app = try d.atom(t[0], "application name")
            out.append(.application(app, try d.keyValues(t[1], "environment of \(app.name)")))
        }
        entries = out
    }

    /// The file's term; reading it back gives an equal value.
    public var term: Term {
        .list(entries.map { e in
            switch e {
            case .application(let app, let env): .tuple([.atom(app), .list(env.map(\.term))])
            case .include(let path): .string(path)
            }
        })
    }

    /// Reads `path` (a `sys.config` file holding one term).
    public static func read(path: String) throws -> SysConfig {
        let doc = try TermFile.read(path: path)
        return try SysConfig(term: try doc.single(), file: path, position: doc.positions.first)
    }
}
