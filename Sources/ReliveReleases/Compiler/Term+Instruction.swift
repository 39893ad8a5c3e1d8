import ReliveKit

extension Term {
    /// The name of a tagged tuple's first element (`{update, ...}` → "update").
    var tag: String? {
        guard case .tuple(let e) = self, let first = e.first, case .atom(let a) = first else { return nil }
        return a.name
    }

    /// A tuple's element count, or nil.
    var arity: Int? {
        if case .tuple(let e) = self { return e.count }
        return nil
    }

    /// The elements of what Erlang sees as a list: a list, or a string (its
    /// character codes). Nil for anything else.
    var erlangList: [Term]? {
        switch self {
        case .list(let e): return e
        case .string(let s): return s.unicodeScalars.map { .int(Int($0.value)) }
        default: return nil
        }
    }

    /// Whether this is the atom `name`.
    func isAtom(_ name: String) -> Bool {
        if case .atom(let a) = self { return a.name == name }
        return false
    }

    /// Element `i` of a tuple; `.list([])` when out of range (callers check arity first).
    func at(_ i: Int) -> Term {
        guard case .tuple(let e) = self, e.indices.contains(i) else { return .list([]) }
        return e[i]
    }

    static func atoms(_ names: [Atom]) -> Term { .list(names.map { .atom($0) }) }
}
