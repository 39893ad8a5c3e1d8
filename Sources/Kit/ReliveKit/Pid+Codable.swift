extension Pid: Codable {
    /// Writes `.pid` into a ``TermEncoder``.
    ///
    /// - Throws: `EncodingError.invalidValue` for any other encoder: a pid
    ///   addresses a live process and cannot be written out and read back.
    public func encode(to encoder: any Encoder) throws {
        try TermOnlyCoding.encode(self, as: .pid(self), to: encoder)
    }

    /// Reads a `.pid` from a ``TermDecoder``; pids cannot be made from anything else.
    ///
    /// - Throws: `DecodingError.typeMismatch` for another term, or any other decoder.
    public init(from decoder: any Decoder) throws {
        let decoding = try TermOnlyCoding.decoding(Pid.self, from: decoder)
        guard case .pid(let pid) = decoding.term else {
            throw TermCodingError.typeMismatch(Pid.self, expected: "a pid", found: decoding.term, at: decoding.path)
        }
        self = pid
    }
}
