import ReliveKit

/// Checks the shape of a term on behalf of a model and turns every mismatch
/// into a ``ModelError`` that names the file, the kind and the field.
struct ModelDecoder {
    let file: String
    let position: SourcePosition?
    let kind: String

    init(file: String, position: SourcePosition?, kind: String) {
        self.file = file
        self.position = position
        self.kind = kind
    }

    func error(_ message: String) -> ModelError {
        ModelError(file: file, position: position, kind: kind, message: message)
    }

    /// A short rendering of a term for messages (long terms are cut).
    static func show(_ term: Term) -> String {
        let text = term.description
        return text.count > 60 ? String(text.prefix(57)) + "..." : text
    }

    func string(_ term: Term, _ field: String) throws(ModelError) -> String {
        guard let s = term.erlangString else { throw error("\(field): expected a string, got \(ModelDecoder.show(term))") }
        return s
    }

    func atom(_ term: Term, _ field: String) throws(ModelError) -> Atom {
        guard case .atom(let a) = term else { throw error("\(field): expected an atom, got \(ModelDecoder.show(term))") }
        return a
    }

    func list(_ term: Term, _ field: String) throws(ModelError) -> [Term] {
        if case .list(let e) = term { return e }
        if case .string("") = term { return [] }
        throw error("\(field): expected a list, got \(ModelDecoder.show(term))")
    }

    func atoms(_ term: Term, _ field: String) throws(ModelError) -> [Atom] {
        var out: [Atom] = []
        for element in try list(term, field) {
            guard case .atom(let a) = element else {
                throw error("\(field): expected a list of atoms, found \(ModelDecoder.show(element))")
            }
            out.append(a)
        }
        return out
    }

    func tuple(_ term: Term, _ field: String, counts: ClosedRange<Int>) throws(ModelError) -> [Term] {
        guard case .tuple(let e) = term, counts.contains(e.count) else {
            let n = counts.lowerBound == counts.upperBound ? "\(counts.lowerBound)" : "\(counts.lowerBound) to \(counts.upperBound)"
            throw error("\(field): expected a tuple of \(n) elements, got \(ModelDecoder.show(term))")
        }
        return e
    }

    /// `[{Key, Value}]` with atom keys.
    func keyValues(_ term: Term, _ field: String) throws(ModelError) -> [KeyValue] {
        var out: [KeyValue] = []
        for element in try list(term, field) {
            guard case .tuple(let kv) = element, kv.count == 2, case .atom(let key) = kv[0] else {
                throw error("\(field): expected {Key, Value} with an atom key, found \(ModelDecoder.show(element))")
            }
            out.append(KeyValue(key: key, value: kv[1]))
        }
        return out
    }
}
