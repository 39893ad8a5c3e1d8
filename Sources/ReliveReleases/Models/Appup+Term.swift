import ReliveKit

extension Appup {
    /// Reads an appup from its term.
    ///
    /// - Throws: ``ModelError`` naming the file and the part that is malformed.
    public init(term: Term, file: String = "<input>", position: SourcePosition? = nil) throws(ModelError) {
        let d = ModelDecoder(file: file, position: position, kind: ".appup")
        let top = try d.tuple(term, "appup {Vsn, UpFrom, DownTo}", counts: 3...3)
        vsn = try d.string(top[0], "vsn")
        func entries(_ t: Term, _ field: String) throws(ModelError) -> [Entry] {
            var out: [Entry] = []
            for element in try d.list(t, field) {
                let pair = try d.tuple(element, "\(field) entry {Vsn, Instructions}", counts: 2...2)
                let pattern: VersionPattern
                if case .binary(let bytes) = pair[0] {
                    guard let text = String(validating: bytes, as: UTF8.self) else {
                        throw d.error("\(field): version regex is not UTF-8")
                    }
                    pattern = .regex(text)
                } else {
                    pattern = .exact(try d.string(pair[0], "\(field) version"))
                }
                let instructions = try d.list(pair[1], "\(field) instructions for \(pattern)")
                out.append(Entry(version: pattern, instructions: instructions))
            }
            return out
        }
        up = try entries(top[1], "up")
        down = try entries(top[2], "down")
    }

    /// The appup as its term; reading it back gives an equal appup.
    public var term: Term {
        func entries(_ es: [Entry]) -> Term {
            .list(es.map { .tuple([$0.version.term, .list($0.instructions)]) })
        }
        return .tuple([.string(vsn), entries(up), entries(down)])
    }

    /// Reads `path` (a `.appup` file holding one term).
    public static func read(path: String) throws -> Appup {
        let doc = try TermFile.read(path: path)
        return try Appup(term: try doc.single(), file: path, position: doc.positions.first)
    }
}
