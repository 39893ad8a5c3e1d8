/// Encodes `Encodable` values as ``Term``s, so that a behaviour can keep its
/// own Codable structs as state and messages and still hand a `Term` across a
/// code change or to another process.
///
/// ## Mapping
/// | Swift | Term |
/// | --- | --- |
/// | struct, class, keyed container | `.map` whose keys are atoms: each `CodingKey`'s `stringValue` |
/// | array, unkeyed container | `.list` |
/// | `String` | `.string` |
/// | `Bool` | the atoms `true` / `false` |
/// | `Int`, `Int8`…`Int64`, `UInt`…`UInt64`, `Int128`, `UInt128` | `.int`; a value outside `Int64` throws |
/// | `Double`, `Float` | `.float`; NaN and infinities throw (Erlang floats are finite) |
/// | `nil` (`encodeNil`, an `Optional` in a list) | the atom `undefined` |
/// | `[UInt8]` | `.binary` |
/// | `[String: V]`, `[Int: V]` (any fixed-width integer key), `[Atom: V]`, `[Term: V]` | `.map` keyed by `.string`, `.int`, `.atom`, any term |
/// | ``Term`` | itself, unchanged (pids and references included) |
/// | ``Atom``, ``Pid``, ``Ref`` | `.atom`, `.pid`, `.ref` |
///
/// Optional properties that are nil are left out of their map (Swift's
/// synthesized `encodeIfPresent`). Enums with associated values use Swift's
/// synthesized shape: `case inc(by: 2)` is `#{inc => #{by => 2}}`, and
/// unlabeled values are keyed `'_0'`, `'_1'`. `superEncoder()` writes under the
/// key `super`. Dictionary keys are data, not names, and atoms are never
/// freed, so dictionaries keep their keys' own kind (`#{"alice" => 3}`) rather
/// than Swift's atom-keyed shape; dictionaries with other keys keep Swift's
/// own shape (an atom-keyed map for `CodingKeyRepresentable` keys, else an
/// alternating key, value list).
///
/// Encoding never traps: values that have no term throw `EncodingError.invalidValue`
/// whose context names the path (`state.count`) and the reason.
///
/// ``TermDecoder`` reads back what this encoder writes.
public struct TermEncoder: Sendable {
    /// Passed to every `Encodable.encode(to:)` as `encoder.userInfo`.
    public var userInfo: [CodingUserInfoKey: any Sendable]

    /// Makes an encoder.
    ///
    /// - Parameter userInfo: what `encode(to:)` implementations see as `encoder.userInfo`.
    public init(userInfo: [CodingUserInfoKey: any Sendable] = [:]) {
        self.userInfo = userInfo
    }

    /// Encodes `value` as a term.
    ///
    /// - Parameter value: the value; its `encode(to:)` runs once.
    /// - Returns: the term, following the mapping in the type's documentation.
    /// - Throws: `EncodingError.invalidValue` when a value has no term (an
    ///   integer outside `Int64`, a non-finite float, a key longer than an atom
    ///   may be, or a top-level value that encodes nothing), naming the path
    ///   to it.
    public func encode<T: Encodable>(_ value: T) throws -> Term {
        let encoder = Encoding(path: .root, userInfo: userInfo)
        if let term = try encoder.fastTerm(value, path: .root) { return term }
        let term: Term
        if let direct = value as? any TermDirectEncodable {
            term = try direct.term(encoder: encoder, path: .root)
        } else {
            try value.encode(to: encoder)
            guard let encoded = encoder.finish() else {
                throw TermCodingError.invalidValue(
                    value, "\(T.self) did not encode any value", at: .root)
            }
            term = encoded
        }
        if let error = encoder.shared.error { throw error }
        return term
    }
}
