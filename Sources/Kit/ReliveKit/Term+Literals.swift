extension Term: ExpressibleByIntegerLiteral {
    @inlinable public init(integerLiteral value: Int) { self = .int(value) }
}

extension Term: ExpressibleByFloatLiteral {
    @inlinable public init(floatLiteral value: Double) { self = .float(value) }
}

extension Term: ExpressibleByStringLiteral {
    /// A string literal is a `Term.string`; write `.atom("ok")` for an atom.
    @inlinable public init(stringLiteral value: String) { self = .string(value) }
}

extension Term: ExpressibleByBooleanLiteral {
    /// `true` and `false` are the atoms `true` and `false`, as in Erlang.
    @inlinable public init(booleanLiteral value: Bool) { self = .atom(value ? Atom.true : Atom.false) }
}

extension Term: ExpressibleByArrayLiteral {
    /// An array literal is a list.
    @inlinable public init(arrayLiteral elements: Term...) { self = .list(elements) }
}

extension Term: ExpressibleByDictionaryLiteral {
    /// A dictionary literal is a map; a repeated key keeps its last value.
    public init(dictionaryLiteral elements: (Term, Term)...) {
        var storage: [Term: Term] = [:]
        for (key, value) in elements { storage[key] = value }
        self = .map(TermMap(storage))
    }
}

extension Term {
    /// Wraps a Swift integer, or nil when it does not fit in 64 bits.
    public init?<I: BinaryInteger>(exactly value: I) {
        guard let int = Int(exactly: value) else { return nil }
        self = .int(int)
    }
}
