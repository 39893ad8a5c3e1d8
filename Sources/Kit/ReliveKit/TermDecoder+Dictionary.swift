/// A dictionary that ``TermDecoder`` reads from a map keyed by terms of the
/// key's own kind (see ``TermMapKey``), the shape ``TermEncoder`` writes.
protocol TermDictionaryDecodable {
    static func decode(_ map: TermMap, decoder: TermDecoder.Decoding, path: TermCodingPath) throws -> Self
}

extension Dictionary: TermDictionaryDecodable where Key: TermMapKey, Value: Decodable {
    /// - Throws: `DecodingError.typeMismatch` for a key of another kind;
    ///   `dataCorrupted` when two term keys name the same Swift key (`'a'` and `"a"`).
    static func decode(_ map: TermMap, decoder: TermDecoder.Decoding, path: TermCodingPath) throws -> Self {
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
