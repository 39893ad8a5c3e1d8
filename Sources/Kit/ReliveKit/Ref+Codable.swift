extension Ref: Codable {
    /// Writes `.ref` into a ``TermEncoder``.
    ///
    /// - Throws: `EncodingError.invalidValue` for any other encoder: a
    ///   reference is unforgeable and cannot be written out and read back.
    public func encode(to encoder: any Encoder) throws {
        try TermOnlyCoding.encode(self, as: .ref(self), to: encoder)
    }

    /// Reads a `.ref` from a ``TermDecoder``; references cannot be made from anything else.
    ///
    /// - Throws: `DecodingError.typeMismatch` for another term, or any other decoder.
    public init(from decoder: any Decoder) throws {
        let decoding = try TermOnlyCoding.decoding(Ref.self, from: decoder)
        guard case .ref(let ref) = decoding.term else {
            throw TermCodingError.typeMismatch(Ref.self, expected: "a reference", found: decoding.term, at: decoding.path)
        }
        self = ref
    }
}
