extension Term: Comparable {
    /// Erlang's term order:
    /// number < atom < reference < pid < tuple < map < list < string < binary.
    ///
    /// - Numbers compare by value; an integer and a float of equal value (which
    ///   Erlang's `<` treats as equal) order the integer first, so the order is
    ///   total and agrees with `==`.
    /// - Tuples compare by size, then element by element; maps by size, then
    ///   keys in term order, then values; lists, strings (by the Unicode
    ///   scalars of their NFC form, which agrees with `String`'s `==`) and
    ///   binaries (by byte) lexicographically.
    /// - `Term.string` has no Erlang counterpart; it sorts after every list.
    public static func < (lhs: Term, rhs: Term) -> Bool {
        compare(lhs, rhs) < 0
    }

    /// Three-way comparison in term order: negative, zero or positive.
    public static func compare(_ lhs: Term, _ rhs: Term) -> Int {
        switch (lhs, rhs) {
        case (.int(let a), .int(let b)):
            return a < b ? -1 : (a == b ? 0 : 1)
        case (.float(let a), .float(let b)):
            return a < b ? -1 : (a == b ? 0 : 1)
        case (.int(let a), .float(let b)):
            let c = compareNumeric(a, b)
            return c != 0 ? c : -1
        case (.float(let a), .int(let b)):
            let c = -compareNumeric(b, a)
            return c != 0 ? c : 1
        case (.atom(let a), .atom(let b)):
            return a == b ? 0 : (a < b ? -1 : 1)
        case (.ref(let a), .ref(let b)):
            return a == b ? 0 : (a < b ? -1 : 1)
        case (.pid(let a), .pid(let b)):
            return a == b ? 0 : (a < b ? -1 : 1)
        case (.tuple(let a), .tuple(let b)):
            if a.count != b.count { return a.count < b.count ? -1 : 1 }
            return compareSequences(a, b)
        case (.map(let a), .map(let b)):
            if a.count != b.count { return a.count < b.count ? -1 : 1 }
            let ea = a.sortedEntries, eb = b.sortedEntries
            let keys = compareSequences(ea.map(\.key), eb.map(\.key))
            return keys != 0 ? keys : compareSequences(ea.map(\.value), eb.map(\.value))
        case (.list(let a), .list(let b)):
            return compareSequences(a, b)
        case (.string(let a), .string(let b)):
            return a == b ? 0 : compareText(a, b)
        case (.binary(let a), .binary(let b)):
            return a == b ? 0 : (a.lexicographicallyPrecedes(b) ? -1 : 1)
        default:
            return lhs.kindRank < rhs.kindRank ? -1 : 1
        }
    }

    private static func compareSequences(_ a: [Term], _ b: [Term]) -> Int {
        for (x, y) in zip(a, b) {
            let c = compare(x, y)
            if c != 0 { return c }
        }
        return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
    }

    /// Orders two strings that are not `==` by the Unicode scalars of their NFC
    /// form (UTF-8 bytes order as scalars do).
    ///
    /// `String`'s `==` is canonical equivalence, so raw scalars would not do
    /// ("e\u{301}" < "f" < "é" while "e\u{301}" == "é"), and neither does
    /// `String`'s own `<`, which (Swift 6.3) answers false both ways for
    /// "e\u{301}" and "é!". ASCII is already NFC, so it skips normalising.
    private static func compareText(_ a: String, _ b: String) -> Int {
        let precedes: Bool
        if a.utf8.allSatisfy({ $0 < 0x80 }) && b.utf8.allSatisfy({ $0 < 0x80 }) {
            precedes = a.utf8.lexicographicallyPrecedes(b.utf8)
        } else {
            precedes = a._nfcCodeUnits.lexicographicallyPrecedes(b._nfcCodeUnits)
        }
        return precedes ? -1 : 1
    }

    /// Compares an integer with a float by exact value (no rounding of large integers).
    private static func compareNumeric(_ i: Int, _ f: Double) -> Int {
        if f.isNaN { return -1 }
        // Past Int64 on either side (2^63 is exactly representable); checking
        // exactly here keeps `Int(t)` below from trapping on 2^63 ..< 9.3e18.
        if f >= 9_223_372_036_854_775_808.0 { return -1 }
        if f < -9_223_372_036_854_775_808.0 { return 1 }
        let t = f.rounded(.towardZero)
        let ti = Int(t)                    // exact: |t| < 2^63
        if i != ti { return i < ti ? -1 : 1 }
        let frac = f - t
        return frac > 0 ? -1 : (frac < 0 ? 1 : 0)
    }
}
