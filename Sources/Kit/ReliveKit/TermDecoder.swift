/// Decodes `Decodable` values from ``Term``s: the inverse of ``TermEncoder``.
///
/// ## Mapping
/// | Term | Swift |
/// | --- | --- |
/// | `.map` | struct, class, enum, keyed container: fields are looked up by atom key (the `CodingKey`'s `stringValue`), then by `.string` or `.int` key; other entries are ignored |
/// | `.list` or `.tuple` | array, unkeyed container |
/// | `.string` | `String` |
/// | the atoms `true` / `false` | `Bool` |
/// | `.int` | every integer type, when the value fits (else `DecodingError.dataCorrupted`) |
/// | `.float` or `.int` | `Double`, `Float` (a float too large for `Float` throws) |
/// | the atom `undefined`, or a missing key | `nil` |
/// | `.binary`, or a list of bytes | `[UInt8]` |
/// | `.map` with `.string` / `.int` / atom / any keys | `[String: V]` / `[Int: V]` (and other integer keys) / `[Atom: V]` / `[Term: V]`; string and integer keys are also read from the atoms Swift's own dictionary coding writes (`'alice'`, `'5'`) |
/// | anything | ``Term`` (unchanged) |
/// | `.atom`, `.pid`, `.ref` | ``Atom``, ``Pid``, ``Ref`` |
///
/// `undefined` stands for nil, so an `Atom?` or `Term?` that holds the atom
/// `undefined` reads back as nil.
///
/// Decoding never traps on bad input: a term of the wrong shape throws
/// `DecodingError` whose context names the path and what was found, e.g.
/// `expected an integer at state.count, found the atom foo`. Decoding makes no
/// atoms: keys are looked up with ``Atom/existing(_:)``, so untrusted terms
/// cannot grow the atom table through it.
public struct TermDecoder: Sendable {
    /// Passed to every `Decodable.init(from:)` as `decoder.userInfo`.
    public var userInfo: [CodingUserInfoKey: any Sendable]

    /// Makes a decoder.
    ///
    /// - Parameter userInfo: what `init(from:)` implementations see as `decoder.userInfo`.
    public init(userInfo: [CodingUserInfoKey: any Sendable] = [:]) {
        self.userInfo = userInfo
    }

    /// Decodes a value of type `type` from `term`.
    ///
    /// - Parameters:
    ///   - type: the type to decode.
    ///   - term: the term, following the mapping in the type's documentation.
    /// - Returns: the value.
    /// - Throws: `DecodingError` when the term does not have the type's shape:
    ///   `.typeMismatch` (a term of the wrong kind), `.keyNotFound`,
    ///   `.valueNotFound` (a list too short), `.dataCorrupted` (an integer out of
    ///   range for its type); each names the path and the term found there.
    public func decode<T: Decodable>(_ type: T.Type = T.self, from term: Term) throws -> T {
        let decoding = Decoding(term: term, path: .root, userInfo: userInfo)
        return try decoding.unbox(term, as: T.self, path: .root, reuse: decoding)
    }
}
