extension Term: CustomStringConvertible, CustomDebugStringConvertible {
    /// The term in Erlang syntax, as `io:format("~w")` would write it: `{ok,[1,2]}`,
    /// except that a `Term.string` prints as a string literal and a binary of
    /// text as `<<"abc">>` (as `~tp` does). Pids and references print in
    /// Erlang's shape and cannot be read back.
    public var description: String {
        var out = ""
        write(to: &out)
        return out
    }

    public var debugDescription: String { description }

    /// Appends the term in Erlang syntax to `out`.
    public func write(to out: inout String) {
        switch self {
        case .int(let i): out += String(i)
        case .float(let f): out += ErlangSyntax.float(f)
        case .atom(let a): out += a.description
        case .ref(let r): out += r.description
        case .pid(let p): out += p.description
        case .string(let s): out += ErlangSyntax.string(s)
        case .binary(let b): out += ErlangSyntax.binary(b)
        case .tuple(let elements):
            out += "{"
            writeElements(elements, to: &out)
            out += "}"
        case .list(let elements):
            out += "["
            writeElements(elements, to: &out)
            out += "]"
        case .map(let map):
            out += "#{"
            var first = true
            for (key, value) in map.sortedEntries {
                if !first { out += "," }
                first = false
                key.write(to: &out)
                out += " => "
                value.write(to: &out)
            }
            out += "}"
        }
    }

    private func writeElements(_ elements: [Term], to out: inout String) {
        var first = true
        for element in elements {
            if !first { out += "," }
            first = false
            element.write(to: &out)
        }
    }
}
