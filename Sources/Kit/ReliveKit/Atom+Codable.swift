extension Atom: Codable {
    /// Writes `.atom` into a ``TermEncoder``, and the atom's name as a string
    /// into any other encoder.
    public func encode(to encoder: any Encoder) throws {
        if let encoding = encoder as? TermEncoder.Encoding {
            encoding.storage = .term(.atom(self))
            return
        }
        var container = encoder.singleValueContainer()
        try container.encode(name)
    }

    /// Reads an `.atom` from a ``TermDecoder`` (anything else is a type
    /// mismatch: decoding makes no atoms from strings), or a name from any
    /// other decoder, interned with ``Atom/init(validating:)``.
    ///
    /// - Throws: `DecodingError.typeMismatch` for a term that is not an atom;
    ///   `dataCorrupted` for a name that cannot be an atom.
    public init(from decoder: any Decoder) throws {
        if let decoding = decoder as? TermDecoder.Decoding {
            self = try decoding.atom(decoding.term, path: decoding.path)
            return
        }
        let container = try decoder.singleValueContainer()
        let name = try container.decode(String.self)
        guard let atom = Atom(validating: name) else {
            throw DecodingError.dataCorrupted(DecodingError.Context(
                codingPath: decoder.codingPath,
                debugDescription: "\(name.utf8.count) bytes is too long for an atom (at most 255), or the atom table is full"))
        }
        self = atom
    }
}
