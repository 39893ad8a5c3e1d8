extension Pid: Codable {
    /// Writes `.pid` into a ``TermEncoder``.
    ///
    /// - Throws: `EncodingError.invalidValue` for any other encoder: a pid
    ///   addresses a live process and cannot be written out and read back.
    public func encode(to encoder: any Encoder) throws {
        guard let encoding = encoder as? TermEncoder.Encoding else {
            throw EncodingError.invalidValue(self, EncodingError.Context(
                codingPath: encoder.codingPath,
                debugDescription: "a Pid can only be encoded by TermEncoder, not by \(type(of: encoder))"))
        }
        encoding.storage = .term(.pid(self))
    }

    /// Reads a `.pid` from a ``TermDecoder``; pids cannot be made from anything else.
    ///
    /// - Throws: `DecodingError.typeMismatch` for another term, or any other decoder.
    public init(from decoder: any Decoder) throws {
        guard let decoding = decoder as? TermDecoder.Decoding else {
            throw DecodingError.typeMismatch(Pid.self, DecodingError.Context(
                codingPath: decoder.codingPath,
                debugDescription: "a Pid can only be decoded by TermDecoder, not by \(type(of: decoder))"))
        }
        guard case .pid(let pid) = decoding.term else {
            throw TermCodingError.typeMismatch(Pid.self, expected: "a pid", found: decoding.term, at: decoding.path)
        }
        self = pid
    }
}
