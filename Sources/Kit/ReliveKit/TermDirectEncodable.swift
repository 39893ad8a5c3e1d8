/// A type that ``TermEncoder`` turns into a term itself, without an
/// `Encoder` of its own: collections and optionals, which otherwise pay for a
/// generic container per value.
///
/// Dictionaries also get a shape of their own: a map keyed by terms of the
/// key's kind (see ``TermMapKey``) instead of Swift's atom-keyed one.
protocol TermDirectEncodable {
    /// The term for `self`, which sits at `path`.
    func term(encoder: TermEncoder.Encoding, path: TermCodingPath) throws -> Term
}

extension Array: TermDirectEncodable where Element: Encodable {
    /// A list, as Swift's unkeyed container would write it.
    func term(encoder: TermEncoder.Encoding, path: TermCodingPath) throws -> Term {
        var elements: [Term] = []
        elements.reserveCapacity(count)
        // Indices, not `enumerated()`: its generic iterator costs a metadata
        // lookup per element in unspecialised code.
        var index = 0
        for element in self {
            elements.append(try encoder.box(element, path: path.appending(index: index)))
            index += 1
        }
        return .list(elements)
    }
}

extension Optional: TermDirectEncodable where Wrapped: Encodable {
    /// The atom `undefined` for nil, else the wrapped value's term.
    func term(encoder: TermEncoder.Encoding, path: TermCodingPath) throws -> Term {
        switch self {
        case .none: Term.undefined
        case .some(let wrapped): try encoder.box(wrapped, path: path)
        }
    }
}

extension Dictionary: TermDirectEncodable where Key: TermMapKey, Value: Encodable {
    /// A map keyed by the keys' own kind of term.
    func term(encoder: TermEncoder.Encoding, path: TermCodingPath) throws -> Term {
        var storage: [Term: Term] = [:]
        storage.reserveCapacity(count)
        for (key, value) in self {
            let termKey = try key.termKey(at: path)
            storage[termKey] = try encoder.box(
                value, path: .key(key.codingPathName, intValue: nil, parent: path))
        }
        return .map(TermMap(storage))
    }
}
