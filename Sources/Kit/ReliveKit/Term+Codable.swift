extension Term: Codable {
    /// Writes the term unchanged into a ``TermEncoder``, so that a `Term`
    /// field of a Codable struct (a pid, a reply tag, any Erlang-shaped value)
    /// passes through as it is.
    ///
    /// - Throws: `EncodingError.invalidValue` for any other encoder: a term
    ///   holds pids and references, which have no meaning outside the node.
    public func encode(to encoder: any Encoder) throws {
        try TermOnlyCoding.encode(self, as: self, to: encoder)
    }

    /// Reads the term unchanged from a ``TermDecoder``.
    ///
    /// - Throws: `DecodingError.typeMismatch` for any other decoder.
    public init(from decoder: any Decoder) throws {
        self = try TermOnlyCoding.decoding(Term.self, from: decoder).term
    }
}

/// The TermEncoder/TermDecoder-only Codable of kit values that mean nothing
/// outside a node (terms, pids, references): they pass through the Term
/// coders unchanged, and every other coder gets a clear error.
enum TermOnlyCoding {
    /// Stores `term` for `value` in a ``TermEncoder``.
    /// - Throws: `EncodingError.invalidValue` for any other encoder.
    static func encode<T>(_ value: T, as term: Term, to encoder: any Encoder) throws {
        guard let encoding = encoder as? TermEncoder.Encoding else {
            throw EncodingError.invalidValue(value, EncodingError.Context(
                codingPath: encoder.codingPath,
                debugDescription: "a \(T.self) can only be encoded by TermEncoder, not by \(type(of: encoder))"))
        }
        encoding.storage = .term(term)
    }

    /// The ``TermDecoder`` state behind `decoder`.
    /// - Throws: `DecodingError.typeMismatch` for any other decoder.
    static func decoding<T>(_: T.Type, from decoder: any Decoder) throws -> TermDecoder.Decoding {
        guard let decoding = decoder as? TermDecoder.Decoding else {
            throw DecodingError.typeMismatch(T.self, DecodingError.Context(
                codingPath: decoder.codingPath,
                debugDescription: "a \(T.self) can only be decoded by TermDecoder, not by \(type(of: decoder))"))
        }
        return decoding
    }
}
