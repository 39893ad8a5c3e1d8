import ReliveKit
import Testing
@testable import ReliveReleases

@Suite struct TermFileReaderTests {
    private func one(_ text: String) throws -> Term {
        try TermFile.parse(text).single()
    }

    private func failure(_ text: String) -> TermFileError? {
        do {
            _ = try TermFile.parse(text, file: "t.config")
            return nil
        } catch {
            return error
        }
    }

    @Test func atoms() throws {
        #expect(try one("ok.") == .atom("ok"))
        #expect(try one("node@host_1.") == .atom("node@host_1"))
        #expect(try one("'Hello world'.") == .atom("Hello world"))
        #expect(try one(#"'it\'s\n'."#) == .atom("it's\n"))
        #expect(try one("'end'.") == .atom("end"))
        #expect(try one("''.") == .atom(""))
        #expect(try one("maybe.") == .atom("maybe"))     // reserved only with OTP's maybe_expr feature
    }

    @Test func numbers() throws {
        #expect(try one("42.") == .int(42))
        #expect(try one("-42.") == .int(-42))
        #expect(try one("+7.") == .int(7))
        #expect(try one("1_000_000.") == .int(1_000_000))
        #expect(try one("16#FF.") == .int(255))
        #expect(try one("2#1010.") == .int(10))
        #expect(try one("36#zz.") == .int(35 * 36 + 35))
        #expect(try one("-16#10.") == .int(-16))
        #expect(try one("9223372036854775807.") == .int(Int.max))
        #expect(try one("-9223372036854775808.") == .int(Int.min))
        #expect(try one("[-9223372036854775808, 0].") == .list([.int(Int.min), .int(0)]))
        #expect(try one("-16#8000000000000000.") == .int(Int.min))
        #expect(try one("3.25.") == .float(3.25))
        #expect(try one("-1.5e3.") == .float(-1500))
        #expect(try one("2.0E-2.") == .float(0.02))
        #expect(try one("$a.") == .int(97))
        #expect(try one(#"$\n."#) == .int(10))
        #expect(try one(#"$\\."#) == .int(92))
        #expect(try one(#"$\x{41}."#) == .int(65))
        #expect(try one(#"$\101."#) == .int(65))
        #expect(try one(#"$\^a."#) == .int(1))
        #expect(try one("$ .") == .int(32))
        #expect(try one("$é.") == .int(0xE9))
    }

    @Test func strings() throws {
        #expect(try one(#""abc"."#) == .string("abc"))
        #expect(try one("\"\".") == .string(""))
        #expect(try one(#""a\tb\"c\\d\x{263A}e\s"."#) == .string("a\tb\"c\\d\u{263A}e "))
        #expect(try one("\"ab\" \"cd\"\n  \"ef\".") == .string("abcdef"))
        #expect(try one(#""héllo"."#) == .string("héllo"))
        #expect(try one(#""\e\d\f\v\b"."#) == .string("\u{1B}\u{7F}\u{0C}\u{0B}\u{08}"))
    }

    @Test func binaries() throws {
        #expect(try one(#"<<"abc">>."#) == .binary(Array("abc".utf8)))
        #expect(try one("<<1,2,255>>.") == .binary([1, 2, 255]))
        #expect(try one("<<>>.") == .binary([]))
        #expect(try one(#"<<"é">>."#) == .binary([0xE9]))
        #expect(try one(#"<<"é"/utf8>>."#) == .binary([0xC3, 0xA9]))
        #expect(try one(#"<<"a", 0, "b">>."#) == .binary([97, 0, 98]))
    }

    @Test func compound() throws {
        #expect(try one("{a, [1, 2], {}}.") == .tuple([.atom("a"), .list([.int(1), .int(2)]), .tuple([])]))
        #expect(try one("[].") == .list([]))
        #expect(try one("[a, b | [c]].") == .list([.atom("a"), .atom("b"), .atom("c")]))
        #expect(try one("[a | []].") == .list([.atom("a")]))
        #expect(try one(#"[$a | "bc"]."#) == .list([.int(97), .int(98), .int(99)]))
        let map = try one("#{a => 1, \"k\" => [x], a => 2}.")
        var expected = TermMap()
        expected[.atom("a")] = .int(2)
        expected[.string("k")] = .list([.atom("x")])
        #expect(map == .map(expected))
        #expect(try one("#{}.") == .map(TermMap()))
    }

    @Test func severalTermsAndComments() throws {
        let doc = try TermFile.parse("%% header\n{a, 1}. % trailing\n\n  b.\n%last")
        #expect(doc.terms == [.tuple([.atom("a"), .int(1)]), .atom("b")])
        #expect(doc.positions == [SourcePosition(line: 2, column: 1), SourcePosition(line: 4, column: 3)])
        #expect(try TermFile.parse("").terms.isEmpty)
    }

    @Test func dotNeedsWhitespace() {
        // "a.b." is one bad token stream: '.' must be followed by white space.
        let e = failure("a.b.")
        #expect(e?.position == SourcePosition(line: 1, column: 2))
    }

    @Test(arguments: [
        ("{a, b", 1, 6, "expected '}'"),
        ("{a b}.", 1, 4, "expected '}'"),
        ("\"abc", 1, 1, "unterminated string"),
        ("'abc", 1, 1, "unterminated atom"),
        ("X.", 1, 1, "variable"),
        ("{ok,\n  end}.", 2, 3, "reserved word"),
        ("99999999999999999999.", 1, 1, "does not fit in 64 bits"),
        ("16#FFFFFFFFFFFFFFFFFF.", 1, 1, "does not fit in 64 bits"),
        ("9223372036854775808.", 1, 1, "does not fit in 64 bits"),
        ("+9223372036854775808.", 1, 1, "does not fit in 64 bits"),
        ("-9223372036854775809.", 1, 1, "does not fit in 64 bits"),
        ("18446744073709551616.", 1, 1, "does not fit in 64 bits"),
        ("37#1.", 1, 1, "base 37"),
        ("[a | b].", 1, 6, "improper list"),
        ("#rec{}.", 1, 1, "records"),
        ("<<256>>.", 1, 3, "not a byte"),
        ("<<1:8>>.", 1, 4, "sizes"),
        ("<<\"\u{263A}\">>.", 1, 3, "beyond 255"),
        ("{a}", 1, 4, "expected '.'"),
        ("a;", 1, 2, "unexpected character"),
        ("- a.", 1, 3, "expected a number"),
        ("\"\\x{110000}\".", 1, 2, "not a Unicode character"),
        ("1.0e999.", 1, 1, "out of range"),
        ("{a,\n [b,\n  c}.", 3, 4, "expected ']'"),
    ] as [(String, Int, Int, String)])
    func errorsCarryPositions(_ input: String, _ line: Int, _ column: Int, _ message: String) throws {
        let e = try #require(failure(input))
        #expect(e.file == "t.config")
        #expect(e.position == SourcePosition(line: line, column: column), "\(e)")
        #expect(e.message.contains(message), "\(e)")
    }

    @Test func errorShowsLineAndCaret() throws {
        let e = try #require(failure("{ok,\n  [1, 2 3]}.\n"))
        #expect(e.description == "t.config:2:9: expected ']', found integer 3 (opened at 2:3)\n      [1, 2 3]}.\n            ^")
    }

    @Test func invalidUTF8InStringIsAnError() throws {
        let e = try #require(failure(bytes: [0x22, 0xFF, 0x22, 0x2E]))
        #expect(e.message.contains("UTF-8"))
        let e2 = try #require(failure(bytes: [0x61, 0x20, 0xC3]))
        #expect(e2.position == SourcePosition(line: 1, column: 3))
    }

    @Test func longAtomsAreRefused() throws {
        let name = String(repeating: "a", count: 256)
        let e = try #require(failure(name + "."))
        #expect(e.message.contains("255"))
        #expect(try one(String(repeating: "b", count: 255) + ".") == .atom(Atom(String(repeating: "b", count: 255))))
    }

    @Test func nestingIsLimited() throws {
        let ok = String(repeating: "[", count: TermFile.maxDepth) + String(repeating: "]", count: TermFile.maxDepth) + "."
        #expect(try TermFile.parse(ok).terms.count == 1)
        let deep = String(repeating: "{", count: 100_000) + "."
        let e = try #require(failure(deep))
        #expect(e.message.contains("nested deeper"))
        #expect(e.position == SourcePosition(line: 1, column: TermFile.maxDepth + 1))
    }

    private func failure(bytes: [UInt8]) -> TermFileError? {
        do {
            _ = try TermFile.parse(bytes, file: "x")
            return nil
        } catch {
            return error
        }
    }
}
