/// A type that ``TermDecoder`` reads from a term itself, without a `Decoder`
/// of its own: collections and optionals (see ``TermDirectEncodable``).
protocol TermDirectDecodable {
    /// Reads a value from `term`, which sits at `path`.
    static func decode(_ term: Term, decoder: TermDecoder.Decoding, path: TermCodingPath) throws -> Self
}

extension Array: TermDirectDecodable where Element: Decodable {
    /// - Throws: `typeMismatch` unless `term` is a list or a tuple; the
    ///   elements' own errors otherwise.
    static func decode(_ term: Term, decoder: TermDecoder.Decoding, path: TermCodingPath) throws -> Self {
        switch term {
        case .list(let elements), .tuple(let elements):
            var result: [Element] = []
            result.reserveCapacity(elements.count)
            for index in elements.indices {
                result.append(try decoder.unbox(elements[index], as: Element.self, path: path.appending(index: index)))
            }
            return result
        default:
            throw TermCodingError.typeMismatch(Self.self, expected: "a list", found: term, at: path)
        }
    }
}

extension Optional: TermDirectDecodable where Wrapped: Decodable {
    /// nil for the atom `undefined`, else the wrapped value.
    static func decode(_ term: Term, decoder: TermDecoder.Decoding, path: TermCodingPath) throws -> Self {
        if decoder.isNil(term) { return nil }
        return try decoder.unbox(term, as: Wrapped.self, path: path)
    }
}

extension Dictionary: TermDirectDecodable where Key: TermMapKey, Value: Decodable {
    /// - Throws: `typeMismatch` unless `term` is a map whose keys are all of
    ///   the key's kind; `dataCorrupted` when two term keys name the same
    ///   Swift key (`'a'` and `"a"`); the values' own errors otherwise.
    static func decode(_ term: Term, decoder: TermDecoder.Decoding, path: TermCodingPath) throws -> Self {
        guard case .map(let map) = term else {
            throw TermCodingError.typeMismatch(Self.self, expected: "a map", found: term, at: path)
        }
        var result: [Key: Value] = [:]
        result.reserveCapacity(map.count)
        for (termKey, termValue) in map.dictionary {
            guard let key = Key(termKey: termKey) else {
                throw DecodingError.typeMismatch(Key.self, DecodingError.Context(
                    codingPath: path.keys,
                    debugDescription: "expected a map whose keys are \(Key.termKeyKind) at \(path) (for [\(Key.self): \(Value.self)]), found the key \(TermCodingError.describe(termKey))"))
            }
            let value = try decoder.unbox(
                termValue, as: Value.self, path: .key(key.codingPathName, intValue: nil, parent: path))
            if result.updateValue(value, forKey: key) != nil {
                throw TermCodingError.dataCorrupted(
                    "the map at \(path) has two keys for \(key.codingPathName)", at: path)
            }
        }
        return result
    }
}
