import ReliveKit

extension Term {
    /// The text of an Erlang string however it was read: `.string`, or a list
    /// of character codes (`[]` is the empty string, as Erlang's `""` is `[]`).
    /// Nil for anything else.
    public var erlangString: String? {
        switch self {
        case .string(let s): return s
        case .list(let elements):
            var s = ""
            for e in elements {
                guard case .int(let code) = e, code >= 0, code <= 0x10FFFF,
                      let scalar = Unicode.Scalar(UInt32(code)) else { return nil }
                s.unicodeScalars.append(scalar)
            }
            return s
        default: return nil
        }
    }
}
