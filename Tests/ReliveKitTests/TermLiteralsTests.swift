import Testing
import ReliveKit

/// Swift literals build terms, and accessors read them back without trapping.
struct TermLiteralsTests {
    @Test func arrayLiteralIsAList() {
        let term: Term = [1, "x", .atom("ok"), 2.5]
        #expect(term == .list([.int(1), .string("x"), .atom(Atom("ok")), .float(2.5)]))
        #expect(term.listElements?.count == 4)
    }

    @Test func scalarLiterals() {
        let int: Term = 42, float: Term = 0.5, string: Term = "hi"
        #expect(int == .int(42))
        #expect(float == .float(0.5))
        #expect(string == .string("hi"))
        #expect(string != .atom("hi"))                  // a string literal is never an atom
    }

    @Test func boolLiteralsAreAtoms() {
        let yes: Term = true, no: Term = false
        #expect(yes == .atom(Atom("true")))
        #expect(no == .atom(Atom("false")))
        #expect(yes.isTrue)
        #expect(!no.isTrue)
        #expect(!Term.string("true").isTrue)
    }

    @Test func dictionaryLiteralIsAMapAndLastDuplicateWins() {
        let term: Term = [.atom("count"): 1, "name": "x", .atom("count"): 2]
        guard case .map(let map) = term else {
            Issue.record("not a map: \(term)")
            return
        }
        #expect(map.count == 2)
        #expect(map[.atom("count")] == 2)
        #expect(map["name"] == "x")
        #expect(map[.atom("name")] == nil)
    }

    @Test func tupleHelper() {
        let reply = Term.tuple(.atom("ok"), 42)
        #expect(reply == .tuple([.atom(Atom.ok), .int(42)]))
        #expect(Term.tuple(.atom("single")).tupleElements?.count == 1)
        #expect(reply[element: 0] == Term.ok)
        #expect(reply[element: 1]?.intValue == 42)
    }

    @Test func accessorsReturnNilOnMismatchOrOutOfRange() {
        let reply = Term.tuple(.atom("ok"), 42)
        #expect(reply[element: 2] == nil)
        #expect(reply[element: -1] == nil)
        #expect(Term.list([1])[element: 0] == nil)           // not a tuple
        #expect(reply.listElements == nil)
        #expect(Term.list([1]).tupleElements == nil)
        #expect(Term.int(1).atomValue == nil)
        #expect(Term.atom("a").intValue == nil)
        #expect(Term.float(1.0).intValue == nil)
        #expect(Term.int(1).pidValue == nil)
        #expect(Term.atom("s").stringValue == nil)
        #expect(Term.string("s").stringValue == "s")
        #expect(Term.atom("a").atomValue == Atom("a"))
    }

    @Test func exactIntegerInitialiser() {
        #expect(Term(exactly: UInt8(7)) == .int(7))
        #expect(Term(exactly: UInt64(Int64.max)) == .int(Int.max))
        #expect(Term(exactly: UInt64(Int64.max) + 1) == nil)
        #expect(Term(exactly: Int128(Int64.min) - 1) == nil)
    }

    @Test func predefinedTerms() {
        #expect(Term.ok == .atom(Atom("ok")))
        #expect(Term.undefined.description == "undefined")
        #expect(Term.normal.description == "normal")
        #expect(Term.emptyList == .list([]))
        #expect(Atom.exit.description == "'EXIT'")
    }
}
