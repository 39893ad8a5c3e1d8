/// Builds the errors ``TermEncoder`` and ``TermDecoder`` throw.
///
/// They are Swift's own `EncodingError` and `DecodingError`, so callers can
/// switch over them as usual; the context's `codingPath` is the path to the
/// value, and its `debugDescription` names the path and what was found, e.g.
/// `expected an integer at state.count, found the atom foo`.
enum TermCodingError {
    /// The longest rendering of a found term an error message carries.
    static let maxTermText = 80

    /// A term as an error message describes it: its kind and its value, cut
    /// short when long (`the atom foo`, `the list [1,2,3]`).
    static func describe(_ term: Term) -> String {
        let kind: String
        switch term {
        case .int: kind = "the integer"
        case .float: kind = "the float"
        case .atom: kind = "the atom"
        case .ref: kind = "the reference"
        case .pid: kind = "the pid"
        case .tuple: kind = "the tuple"
        case .map: kind = "the map"
        case .list: kind = "the list"
        case .string: kind = "the string"
        case .binary: kind = "the binary"
        }
        var text = term.description
        if text.count > maxTermText {
            text = String(text.prefix(maxTermText)) + "…"
        }
        return kind + " " + text
    }

    /// A value of the wrong kind: `expected an integer at x, found the atom foo`.
    static func typeMismatch(
        _ type: Any.Type, expected: String, found: Term, at path: TermCodingPath
    ) -> DecodingError {
        .typeMismatch(type, DecodingError.Context(
            codingPath: path.keys,
            debugDescription: "expected \(expected) at \(path), found \(describe(found))"))
    }

    /// A value of the right kind that the Swift type cannot hold, such as an
    /// integer out of range.
    static func dataCorrupted(_ message: String, at path: TermCodingPath) -> DecodingError {
        .dataCorrupted(DecodingError.Context(codingPath: path.keys, debugDescription: message))
    }

    /// A key the map does not have.
    static func keyNotFound(_ key: some CodingKey, in map: TermMap, at path: TermCodingPath) -> DecodingError {
        let where_ = path.description
        return .keyNotFound(key, DecodingError.Context(
            codingPath: path.keys,
            debugDescription: "no key \(ErlangSyntax.atom(key.stringValue)) in the map at \(where_), found \(describe(.map(map)))"))
    }

    /// An unkeyed container read past its end.
    static func valueNotFound(_ type: Any.Type, index: Int, count: Int, at path: TermCodingPath) -> DecodingError {
        .valueNotFound(type, DecodingError.Context(
            codingPath: path.appending(index: index).keys,
            debugDescription: "expected a value at \(path.appending(index: index)), but the list at \(path) has only \(count) element\(count == 1 ? "" : "s")"))
    }

    /// A value that has no term (an integer past Int64, a NaN, a key that is no atom).
    static func invalidValue(_ value: Any, _ message: String, at path: TermCodingPath) -> EncodingError {
        .invalidValue(value, EncodingError.Context(codingPath: path.keys, debugDescription: message))
    }
}
