/// A value of Erlang's data model: what messages, process state across a code
/// change, and term files are made of.
///
/// Small values (integers, floats, atoms, pids, references) are stored inline
/// and allocate nothing; tuples, lists, maps, strings and binaries share their
/// storage copy-on-write. `Term` is `@frozen`: its layout is part of the kit's
/// ABI, so a change to it is a change of ``KitABI/version``.
///
/// Integers are 64-bit. Erlang's are unbounded; Relive refuses integers past
/// `Int64` where it reads them (term files, `Codable`) with an error rather than
/// wrapping, and arithmetic on them is the caller's own Swift arithmetic.
///
/// Strings: Erlang has no string type (a string is a list of characters).
/// `Term.string` is Relive's text value; it is written `"..."` in term files
/// like an Erlang string, is never equal to a list, and sorts between lists and
/// binaries (see ``Term/<(_:_:)``).
///
/// Equality is Erlang's exact equality (`=:=`): `.int(1) != .float(1.0)`, and
/// hashing agrees with it. Floats are finite in Erlang; a NaN term is not equal
/// to itself and does not belong in a map key. Ordering: ``Term/<(_:_:)``.
@frozen
public enum Term: Sendable, Hashable {
    case int(Int)
    case float(Double)
    case atom(Atom)
    case ref(Ref)
    case pid(Pid)
    case tuple([Term])
    case map(TermMap)
    case list([Term])
    case string(String)
    case binary([UInt8])
}

extension Term {
    /// An atom term made from its name (interned once per call: keep hot ones
    /// in a `static let`).
    @inlinable
    public static func atom(_ name: String) -> Term { .atom(Atom(name)) }

    /// A tuple of the given elements: `.tuple(.atom(.ok), 42)`.
    @inlinable
    public static func tuple(_ first: Term, _ rest: Term...) -> Term { .tuple([first] + rest) }

    /// `ok`
    public static let ok: Term = .atom(Atom.ok)
    /// `undefined`
    public static let undefined: Term = .atom(Atom.undefined)
    /// `normal`, the exit reason of a process that finished.
    public static let normal: Term = .atom(Atom.normal)
    /// `[]`
    public static let emptyList: Term = .list([])

    /// The element at `index` of a tuple, or nil when this is not a tuple or
    /// the index is out of range. Never traps.
    @inlinable
    public subscript(element index: Int) -> Term? {
        guard case .tuple(let elements) = self, elements.indices.contains(index) else { return nil }
        return elements[index]
    }

    /// The tuple's elements, or nil when this is not a tuple.
    @inlinable public var tupleElements: [Term]? {
        if case .tuple(let e) = self { return e } else { return nil }
    }
    /// The list's elements, or nil when this is not a list.
    @inlinable public var listElements: [Term]? {
        if case .list(let e) = self { return e } else { return nil }
    }
    /// The atom, or nil when this is not an atom.
    @inlinable public var atomValue: Atom? {
        if case .atom(let a) = self { return a } else { return nil }
    }
    /// The integer, or nil when this is not an integer.
    @inlinable public var intValue: Int? {
        if case .int(let i) = self { return i } else { return nil }
    }
    /// The pid, or nil when this is not a pid.
    @inlinable public var pidValue: Pid? {
        if case .pid(let p) = self { return p } else { return nil }
    }
    /// The text of a string, or nil when this is not a string.
    @inlinable public var stringValue: String? {
        if case .string(let s) = self { return s } else { return nil }
    }

    /// True for the atoms `true`; false for anything else.
    @inlinable public var isTrue: Bool { self == .atom(Atom.true) }

    /// The kind of term, in term order (used to compare terms of different kinds).
    @inlinable
    var kindRank: Int {
        switch self {
        case .int, .float: 0
        case .atom: 1
        case .ref: 2
        case .pid: 3
        case .tuple: 4
        case .map: 5
        case .list: 6
        case .string: 7
        case .binary: 8
        }
    }
}
