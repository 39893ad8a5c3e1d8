import ReliveKit

extension Relup {
    /// Reads a relup from its term.
    ///
    /// - Throws: ``ModelError`` naming the file and the malformed part.
    public init(term: Term, file: String = "<input>", position: SourcePosition? = nil) throws(ModelError) {
        let d = ModelDecoder(file: file, position: position, kind: "relup")
        let top = try d.tuple(term, "relup {Vsn, Up, Down}", counts: 3...3)
        vsn = try d.string(top[0], "vsn")
        func entries(_ t: Term, _ field: String) throws(ModelError) -> [Entry] {
            var out: [Entry] = []
            for element in try d.list(t, field) {
                let e = try d.tuple(element, "\(field) entry {Vsn, Description, Instructions}", counts: 3...3)
                let v = try d.string(e[0], "\(field) vsn")
                out.append(Entry(vsn: v, description: e[1], instructions: try d.list(e[2], "\(field) instructions for \(v)")))
            }
            return out
        }
        up = try entries(top[1], "up")
        down = try entries(top[2], "down")
    }

    /// The relup as its term; reading it back gives an equal relup.
    public var term: Term {
        func entries(_ es: [Entry]) -> Term {
            .list(es.map { .tuple([.string($0.vsn), $0.description, .list($0.instructions)]) })
        }
        return .tuple([.string(vsn), entries(up), entries(down)])
    }

    /// Reads `path` (a `relup` file holding one term).
    public static func read(path: String) throws -> Relup {
        let doc = try TermFile.read(path: path)
        return try Relup(term: try doc.single(), file: path, position: doc.positions.first)
    }

    /// Writes the relup to `path` as OTP does (`%% coding: utf-8` and the term).
    public func write(to path: String) throws {
        try TermFile.write([term], to: path, header: "coding: utf-8")
    }
}
