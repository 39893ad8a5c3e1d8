/// An Erlang map: keys and values are terms.
///
/// Iteration, printing and comparison see the entries in the term order of
/// their keys, as Erlang does, so the same map always prints the same way.
@frozen
public struct TermMap: Sendable, Hashable {
    @usableFromInline
    var storage: [Term: Term]

    @inlinable
    public init() { storage = [:] }

    @inlinable
    public init(_ dictionary: [Term: Term]) { storage = dictionary }

    /// The entries, sorted by key in term order.
    public var sortedEntries: [(key: Term, value: Term)] {
        storage.sorted { $0.key < $1.key }.map { (key: $0.key, value: $0.value) }
    }

    @inlinable public var count: Int { storage.count }
    @inlinable public var isEmpty: Bool { storage.isEmpty }

    @inlinable
    public subscript(key: Term) -> Term? {
        get { storage[key] }
        set { storage[key] = newValue }
    }

    /// The underlying dictionary (unordered).
    @inlinable public var dictionary: [Term: Term] { storage }
}
