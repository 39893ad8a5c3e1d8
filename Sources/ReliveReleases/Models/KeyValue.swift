import ReliveKit

/// One `{Key, Value}` pair of an application environment or option list.
public struct KeyValue: Sendable, Hashable {
    public var key: Atom
    public var value: Term

    public init(key: Atom, value: Term) {
        self.key = key
        self.value = value
    }

    var term: Term { .tuple([.atom(key), value]) }
}
