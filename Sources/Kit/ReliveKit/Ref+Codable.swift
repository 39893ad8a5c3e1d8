extension Ref: Codable {
    /// Writes `.ref` into a ``TermEncoder``.
    ///
    /// - Throws: `EncodingError.invalidValue` for any other encoder: a
    ///   reference is unforgeable and cannot be written out and read back.
    public func encode(to encoder: any Encoder) throws {
        guard let encoding = encoder as? TermEncoder.Encoding else {
            throw EncodingError.invalidValue(self, EncodingError.Context(
                codingPath: encoder.codingPath,
                debugDescription: "a Ref can only be encoded by TermEncoder, not by \(type(of: encoder))"))
        }
        encoding.storage = .term(.ref(self))
    }

    /// Reads a `.ref` from a ``TermDecoder``; references cannot be made from anything else.
    ///
    /// - Throws: `DecodingError.typeMismatch` for another term, or any other decoder.
    public init(from decoder: any Decoder) throws {
        guard let decoding = decoder as? TermDecoder.Decoding else {
            throw DecodingError.typeMismatch(Ref.self, DecodingError.Context(
                codingPath: decoder.codingPath,
                debugDescription: "a Ref can only be decoded by TermDecoder, not by \(type(of: decoder))"))
        }
        guard case .ref(let ref) = decoding.term else {
            throw TermCodingError.typeMismatch(Ref.self, expected: "a reference", found: decoding.term, at: decoding.path)
        }
        self = ref
    }
}
