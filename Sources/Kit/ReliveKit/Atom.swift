import Synchronization

/// An interned symbol, Erlang's atom.
///
/// An atom is a 32-bit index into the process-wide atom table, so comparing,
/// hashing and copying two atoms costs an integer operation. Interning a name
/// takes the table's lock once; keep atoms you use on a hot path in a `static let`
/// (or use the predefined ones) so that no message pays for a lookup.
///
/// The table lives in the kit, of which there is exactly one copy per OS
/// process, so an atom made in a plugin equals the same atom made in the node.
/// Atoms are never freed, as in Erlang; `Atom.tableLimit` bounds the table so
/// that untrusted input cannot exhaust memory. Names from outside
/// (``Atom/init(validating:)``: term files, decoded names, module names) may
/// only fill the table up to `Atom.externalLimit`; the rest
/// (`Atom.runtimeReserve`) is kept for the program's own `Atom("…")`, so that
/// a hostile file can be refused with an error that names it, and nothing
/// traps after.
///
/// Atoms are keyed by their UTF-8 bytes, as in Erlang: `Atom("e\u{301}")` and
/// `Atom("é")` are two atoms, although the two `String`s compare equal.
@frozen
public struct Atom: Hashable, Sendable {
    /// The atom's position in the table. Stable for the life of the OS process only.
    public let index: UInt32

    @inlinable
    init(index: UInt32) { self.index = index }

    /// Interns `name`, creating the atom if it is new.
    ///
    /// - Precondition: the table is not full (`Atom.tableLimit`). Use
    ///   ``Atom/init(validating:)`` for names that come from outside.
    public init(_ name: String) {
        guard let atom = AtomTable.shared.intern(name, limit: Atom.tableLimit) else {
            fatalError("atom table full (\(Atom.tableLimit) atoms)")
        }
        self = atom
    }

    /// Interns `name`, or returns nil when it is longer than 255 UTF-8 bytes
    /// (Erlang's limit) or when it is new and the budget for atoms from outside
    /// is spent (the table holds `Atom.externalLimit` atoms). For names from
    /// untrusted input.
    ///
    /// - Guarantees: an atom that exists is always returned; a nil result
    ///   leaves the table unchanged, and the `Atom.runtimeReserve` atoms kept
    ///   for ``Atom/init(_:)`` are never used by this initialiser.
    public init?(validating name: String) {
        guard name.utf8.count <= 255,
              let atom = AtomTable.shared.intern(name, limit: Atom.externalLimit) else { return nil }
        self = atom
    }

    /// Whether the budget for new atoms from outside is spent: a new name given
    /// to ``Atom/init(validating:)`` would be refused. For error messages.
    public static var isExternalBudgetSpent: Bool {
        AtomTable.shared.count >= Atom.externalLimit
    }

    /// Returns the atom named `name` only if it already exists (`list_to_existing_atom`).
    public static func existing(_ name: String) -> Atom? {
        AtomTable.shared.lookup(name)
    }

    /// The atom's name.
    public var name: String { AtomTable.shared.name(of: self) }

    /// The most atoms one OS process may create.
    public static let tableLimit = 1_048_576

    /// How many atoms of the table are kept for the program's own names
    /// (``Atom/init(_:)``), which names from outside can never use.
    public static let runtimeReserve = 65_536

    /// The table size up to which ``Atom/init(validating:)`` creates atoms.
    public static var externalLimit: Int { tableLimit - runtimeReserve }
}

extension Atom: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self.init(value) }
}

extension Atom: CustomStringConvertible {
    /// The atom in Erlang syntax, quoted where Erlang would quote it.
    public var description: String { ErlangSyntax.atom(name) }
}

extension Atom: Comparable {
    /// Atoms order by name, as in Erlang's term order (not by table index).
    public static func < (lhs: Atom, rhs: Atom) -> Bool {
        lhs.index != rhs.index && lhs.name.utf8.lexicographicallyPrecedes(rhs.name.utf8)
    }
}

extension Atom {
    public static let ok: Atom = "ok"
    public static let error: Atom = "error"
    public static let `true`: Atom = "true"
    public static let `false`: Atom = "false"
    public static let undefined: Atom = "undefined"
    public static let normal: Atom = "normal"
    public static let kill: Atom = "kill"
    public static let killed: Atom = "killed"
    public static let noproc: Atom = "noproc"
    public static let shutdown: Atom = "shutdown"
    public static let timeout: Atom = "timeout"
    public static let exit: Atom = "EXIT"
    public static let down: Atom = "DOWN"
    public static let process: Atom = "process"
    public static let noconnection: Atom = "noconnection"
}

/// The process-wide atom table: a name→index dictionary for interning and an
/// index→name array for printing, both behind one lock. Reads of an atom's
/// index never touch it; only interning and printing do.
///
/// The dictionary is keyed by the name's UTF-8 bytes, not by `String`, whose
/// equality is Unicode canonical equivalence; the key wraps the `String`
/// itself, so a lookup copies nothing (interning an atom's name happens for
/// every key of every state a `TermEncoder` writes).
final class AtomTable: Sendable {
    static let shared = AtomTable()

    /// A name compared and hashed by its UTF-8 bytes.
    private struct Key: Hashable {
        let name: String

        static func == (a: Key, b: Key) -> Bool { a.name.utf8.elementsEqual(b.name.utf8) }

        func hash(into hasher: inout Hasher) {
            var name = name
            name.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        }
    }

    private struct Storage {
        var indices: [Key: UInt32] = [:]
        var names: [String] = []
    }
    private let storage = Mutex(Storage())

    /// The atom named `name`, created if it is new and the table holds fewer
    /// than `limit` atoms; nil otherwise.
    func intern(_ name: String, limit: Int) -> Atom? {
        let key = Key(name: name)
        return storage.withLock { s in
            if let index = s.indices[key] { return Atom(index: index) }
            guard s.names.count < min(limit, Atom.tableLimit) else { return nil }
            let index = UInt32(s.names.count)
            s.names.append(name)
            s.indices[key] = index
            return Atom(index: index)
        }
    }

    func lookup(_ name: String) -> Atom? {
        let key = Key(name: name)
        return storage.withLock { s in s.indices[key].map(Atom.init(index:)) }
    }

    /// How many atoms exist.
    var count: Int { storage.withLock { $0.names.count } }

    func name(of atom: Atom) -> String {
        storage.withLock { s in
            let i = Int(atom.index)
            return i < s.names.count ? s.names[i] : "$bad_atom_\(i)"
        }
    }
}
