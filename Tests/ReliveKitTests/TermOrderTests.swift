import Testing
import PropertyBased
@_spi(Runtime) import ReliveKit

/// Erlang's term order: number < atom < reference < pid < tuple < map < list
/// < string < binary, and within each kind.
struct TermOrderTests {
    @Test func kindsOrderAsInErlang() {
        let ascending: [Term] = [
            .float(1e300),                       // the largest number is still below every atom
            .atom(""),
            .ref(Fixtures.ref(1)),
            .pid(Fixtures.pid(1)),
            .tuple([]),
            .map(TermMap()),
            .list([]),
            .string(""),
            .binary([]),
        ]
        for (i, lower) in ascending.enumerated() {
            for higher in ascending[(i + 1)...] {
                #expect(lower < higher, "\(lower) < \(higher)")
                #expect(!(higher < lower), "!(\(higher) < \(lower))")
            }
        }
        #expect(ascending.reversed().sorted() == ascending)
    }

    @Test func numbersCompareByValueAcrossIntAndFloat() {
        #expect(Term.int(1) < .float(1.5))
        #expect(Term.float(1.5) < .int(2))
        #expect(Term.float(-0.5) < .int(0))
        #expect(Term.int(-1) < .float(-0.5))
        #expect(Term.int(2) < .float(1e300))
        #expect(Term.float(-1e300) < .int(Int.min))
    }

    @Test func equalIntAndFloatOrderIntFirstAndAreNotEqual() {
        #expect(Term.int(1) != .float(1.0))
        #expect(Term.int(1) < .float(1.0))
        #expect(!(Term.float(1.0) < .int(1)))
        #expect(Term.compare(.int(0), .float(-0.0)) == -1)
        #expect(Term.compare(.float(-0.0), .int(0)) == 1)
    }

    @Test func largeIntegersCompareExactlyWithFloats() {
        // 2^53 + 1 has no double; the double 2^53 is below it.
        let big = (1 << 53) + 1
        #expect(Term.float(9_007_199_254_740_992.0) < .int(big))
        #expect(Term.int(big) < .float(9_007_199_254_740_994.0))
        #expect(Term.int(Int.max) < .float(9_223_372_036_854_775_808.0))   // 2^63
        #expect(Term.float(-9_223_372_036_854_775_808.0) < .int(Int.min + 1))
    }

    /// Kit bug (fixed): floats in 2^63 ..< 9.3e18 (and their negatives) went
    /// through `Int(_:)` and trapped, ending the whole OS process.
    @Test func floatsJustPastInt64DoNotTrap() {
        #expect(Term.int(Int.max) < .float(9.25e18))
        #expect(Term.float(-9.25e18) < .int(Int.min))
        #expect(Term.compare(.float(9.25e18), .int(0)) == 1)
        #expect(Term.compare(.int(0), .float(-9.25e18)) == 1)
    }

    @Test func atomsOrderByName() {
        // Made in this order so that table indices disagree with names.
        let zebra = Atom("zebra_order_test"), apple = Atom("apple_order_test")
        #expect(apple < zebra)
        #expect(Term.atom(apple) < .atom(zebra))
        #expect(Term.atom("B") < .atom("a"))       // by byte, as Erlang: upper case first
    }

    @Test func referencesAndPidsOrderByNodeThenNumber() {
        #expect(Term.ref(Fixtures.ref(9)) < .ref(Fixtures.ref(10)))
        #expect(Term.ref(Fixtures.ref(9, on: Fixtures.nodeA)) < .ref(Fixtures.ref(1, on: Fixtures.nodeB)))
        #expect(Term.pid(Fixtures.pid(2)) < .pid(Fixtures.pid(3)))
        #expect(Term.pid(Fixtures.pid(7, on: Fixtures.nodeA)) < .pid(Fixtures.pid(1, on: Fixtures.nodeB)))
        // Two endpoints with the same node and serial are the same pid.
        #expect(Term.compare(.pid(Fixtures.pid(4)), .pid(Fixtures.pid(4))) == 0)
    }

    @Test func tuplesOrderBySizeFirst() {
        #expect(Term.tuple([.atom("z")]) < .tuple([.atom("a"), .atom("a")]))
        #expect(Term.tuple([.int(1), .int(2)]) < .tuple([.int(1), .int(3)]))
        #expect(Term.tuple([]) < .tuple([.int(0)]))
    }

    @Test func mapsOrderBySizeThenKeysThenValues() {
        let small: Term = [.atom("z"): 9]
        let large: Term = [.atom("a"): 0, .atom("b"): 0]
        #expect(small < large)
        let keyA: Term = [.atom("a"): 100]
        let keyB: Term = [.atom("b"): 0]
        #expect(keyA < keyB)                                  // keys decide before values
        let twoKeysLow: Term = [.atom("a"): 1, .atom("c"): 5]
        let twoKeysHigh: Term = [.atom("a"): 2, .atom("c"): 0]
        #expect(twoKeysLow < twoKeysHigh)                     // same keys: values in key order
        #expect(Term.compare(twoKeysLow, [.atom("c"): 5, .atom("a"): 1]) == 0)
    }

    @Test func listsStringsAndBinariesOrderLexicographically() {
        #expect(Term.list([.int(1)]) < .list([.int(1), .int(0)]))
        #expect(Term.list([.int(1), .int(9)]) < .list([.int(2)]))
        #expect(Term.string("ab") < .string("b"))
        #expect(Term.string("a") < .string("ab"))
        #expect(Term.binary([1, 255]) < .binary([2]))
        #expect(Term.binary([1]) < .binary([1, 0]))
        #expect(Term.list([.int(9), .int(9)]) < .string(""))   // every list before every string
    }

    /// Kit bug (fixed): strings ordered by raw scalars while `==` is canonical
    /// equivalence, so "e\u{301}" < "f" < "é" although "e\u{301}" == "é".
    /// (Found by the property tests below.)
    @Test func stringOrderAgreesWithCanonicalEquality() {
        let decomposed: Term = .string("e\u{301}"), composed: Term = .string("\u{e9}"), f: Term = .string("f")
        #expect(decomposed == composed)
        #expect(Term.compare(decomposed, composed) == 0)
        #expect(Term.compare(decomposed, f) == Term.compare(composed, f))
        #expect(f < composed && f < decomposed)
        // Swift's own String `<` says neither is less for these two.
        let withBang: Term = .string("\u{e9}!")
        #expect(decomposed < withBang && composed < withBang)
        #expect(!(withBang < decomposed))
    }

    // MARK: Properties

    @Test func orderIsAntisymmetricAndConsistentWithEquality() async {
        await propertyCheck(count: 2000, input: RandomTerm.generator(), RandomTerm.generator()) { a, b in
            let ab = Term.compare(a, b), ba = Term.compare(b, a)
            #expect(ab.signum() == -ba.signum(), "compare(\(a), \(b)) = \(ab), reversed \(ba)")
            #expect((ab == 0) == (a == b), "compare(\(a), \(b)) = \(ab) but == is \(a == b)")
            #expect([a < b, b < a, a == b].filter { $0 }.count == 1, "\(a) vs \(b)")
        }
    }

    @Test func orderIsTransitive() async {
        // Several terms at a time, every ordered triple among them.
        let batch = RandomTerm.generator(depth: 2).array(of: 6...6)
        await propertyCheck(count: 500, input: batch) { terms in
            for a in terms {
                for b in terms where a < b {
                    for c in terms where b < c {
                        #expect(a < c, "\(a) < \(b) < \(c) but not \(a) < \(c)")
                    }
                }
            }
        }
    }

    @Test func equalTermsCompareEqualAndHashAlike() async {
        await propertyCheck(count: 1000, input: RandomTerm.generator()) { term in
            let copy = RandomTerm.rebuilt(term)
            #expect(copy == term)
            #expect(Term.compare(copy, term) == 0)
            #expect(copy.hashValue == term.hashValue, "\(term)")
        }
    }

    @Test func sortingAgreesWithPairwiseComparison() async {
        await propertyCheck(count: 300, input: RandomTerm.generator(depth: 2).array(of: 0...12)) { terms in
            let sorted = terms.sorted()
            for (x, y) in zip(sorted, sorted.dropFirst()) {
                #expect(Term.compare(x, y) <= 0, "\(x) before \(y)")
            }
        }
    }
}
