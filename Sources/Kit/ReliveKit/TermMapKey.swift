/// A Swift dictionary key that ``TermEncoder`` writes as a term key of its
/// own kind, rather than as an atom.
///
/// Atoms are never freed, so data (user names, ids) must not become atoms:
/// `[String: V]` is a map with `.string` keys, `[Int: V]` (and the other
/// fixed-width integers) a map with `.int` keys, `[Atom: V]` atom keys and
/// `[Term: V]` any keys. Struct fields stay atoms: they are a bounded set,
/// named by the program.
protocol TermMapKey: Hashable {
    /// The key as a term.
    ///
    /// - Throws: `EncodingError.invalidValue` for an integer outside `Int64`.
    func termKey(at path: @autoclosure () -> TermCodingPath) throws -> Term

    /// The key read back from a term, or nil when the term is of another kind.
    /// Also accepts the atom that Swift's own `Dictionary` coding writes
    /// (`'alice'`, `'5'`), so maps from either path decode.
    init?(termKey: Term)

    /// The key as it appears in a coding path (`scores.alice`).
    var codingPathName: String { get }

    /// What the keys of such a map are, for error messages.
    static var termKeyKind: String { get }
}

extension String: TermMapKey {
    func termKey(at path: @autoclosure () -> TermCodingPath) throws -> Term { .string(self) }

    init?(termKey: Term) {
        switch termKey {
        case .string(let s): self = s
        case .atom(let a): self = a.name
        default: return nil
        }
    }

    var codingPathName: String { self }
    static var termKeyKind: String { "strings" }
}

extension Atom: TermMapKey {
    func termKey(at path: @autoclosure () -> TermCodingPath) throws -> Term { .atom(self) }

    init?(termKey: Term) {
        guard case .atom(let a) = termKey else { return nil }
        self = a
    }

    var codingPathName: String { name }
    static var termKeyKind: String { "atoms" }
}

extension Term: TermMapKey {
    func termKey(at path: @autoclosure () -> TermCodingPath) throws -> Term { self }
    init?(termKey: Term) { self = termKey }
    var codingPathName: String { description }
    static var termKeyKind: String { "terms" }
}

extension TermMapKey where Self: FixedWidthInteger {
    func termKey(at path: @autoclosure () -> TermCodingPath) throws -> Term {
        guard let int = Int(exactly: self) else {
            let path = path()
            throw TermCodingError.invalidValue(
                self, "the \(Self.self) key \(self) at \(path) does not fit in a term: integers are 64-bit signed",
                at: path)
        }
        return .int(int)
    }

    init?(termKey: Term) {
        switch termKey {
        case .int(let i):
            guard let v = Self(exactly: i) else { return nil }
            self = v
        case .atom(let a):
            guard let v = Self(a.name) else { return nil }
            self = v
        default:
            return nil
        }
    }

    var codingPathName: String { String(self) }
    static var termKeyKind: String { "integers that fit in \(Self.self)" }
}

extension Int: TermMapKey {}
extension Int8: TermMapKey {}
extension Int16: TermMapKey {}
extension Int32: TermMapKey {}
extension Int64: TermMapKey {}
extension UInt: TermMapKey {}
extension UInt8: TermMapKey {}
extension UInt16: TermMapKey {}
extension UInt32: TermMapKey {}
extension UInt64: TermMapKey {}
