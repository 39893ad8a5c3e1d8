extension Term: Codable {
    /// Writes the term unchanged into a ``TermEncoder``, so that a `Term`
    /// field of a Codable struct (a pid, a reply tag, any Erlang-shaped value)
    /// passes through as it is.
    ///
    /// - Throws: `EncodingError.invalidValue` for any other encoder: a term
    ///   holds pids and references, which have no meaning outside the node.
    public func encode(to encoder: any Encoder) throws {
        guard let encoding = encoder as? TermEncoder.Encoding else {
            throw EncodingError.invalidValue(self, EncodingError.Context(
                codingPath: encoder.codingPath,
                debugDescription: "a Term can only be encoded by TermEncoder, not by \(type(of: encoder))"))
        }
        encoding.storage = .term(self)
    }

    /// Reads the term unchanged from a ``TermDecoder``.
    ///
    /// - Throws: `DecodingError.typeMismatch` for any other decoder.
    public init(from decoder: any Decoder) throws {
        guard let decoding = decoder as? TermDecoder.Decoding else {
            throw DecodingError.typeMismatch(Term.self, DecodingError.Context(
                codingPath: decoder.codingPath,
                debugDescription: "a Term can only be decoded by TermDecoder, not by \(type(of: decoder))"))
        }
        self = decoding.term
    }
}
