/// A dictionary that ``TermEncoder`` writes as a map keyed by terms of the
/// key's own kind (see ``TermMapKey``) instead of Swift's atom-keyed shape.
protocol TermDictionaryEncodable {
    func term(encoder: TermEncoder.Encoding, path: TermCodingPath) throws -> Term
}

extension Dictionary: TermDictionaryEncodable where Key: TermMapKey, Value: Encodable {
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
