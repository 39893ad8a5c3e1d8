import Testing
@_spi(Runtime) import ReliveKit

/// Terms print in Erlang syntax, so that a printed term reads back in Erlang
/// (pids and references excepted).
struct TermDescriptionTests {
    @Test(arguments: [
        ("ok", "ok"),
        ("node@host", "node@host"),
        ("a_B9", "a_B9"),
        ("EXIT", "'EXIT'"),
        ("Ok", "'Ok'"),
        ("_x", "'_x'"),
        ("hello world", "'hello world'"),
        ("", "''"),
        ("it's", "'it\\'s'"),
        ("a\nb", "'a\\nb'"),
        ("back\\slash", "'back\\\\slash'"),
        ("end", "'end'"),
        ("receive", "'receive'"),
        ("maybe", "'maybe'"),
        ("ends", "ends"),
    ])
    func atoms(name: String, printed: String) {
        #expect(Term.atom(Atom(name)).description == printed)
        #expect(Atom(name).description == printed)
    }

    @Test func strings() {
        #expect(Term.string("abc").description == "\"abc\"")
        #expect(Term.string("say \"hi\"").description == "\"say \\\"hi\\\"\"")
        #expect(Term.string("tab\there\r\n").description == "\"tab\\there\\r\\n\"")
        #expect(Term.string("it's").description == "\"it's\"")           // no need to escape ' in a string
        #expect(Term.string("\u{7F}\u{1B}").description == "\"\\d\\e\"")
        #expect(Term.string("héllo").description == "\"héllo\"")
        #expect(Term.string("").description == "\"\"")
    }

    /// Kit bug (fixed): control characters were written as short octal
    /// escapes, so "\u{1}2" became "\12", which Erlang reads as a newline.
    @Test func controlCharactersUseThreeOctalDigits() {
        #expect(Term.string("\u{1}2").description == "\"\\0012\"")
        #expect(Term.string("\u{0}").description == "\"\\000\"")
        #expect(Term.string("\u{1F}").description == "\"\\037\"")
        #expect(ErlangSyntax.atom("\u{2}") == "'\\002'")
    }

    @Test func floatsInBothLayouts() {
        #expect(Term.float(1.0).description == "1.0")
        #expect(Term.float(1.0e21).description == "1.0e21")
        #expect(Term.float(1.5e-7).description == "1.5e-7")
        #expect(Term.float(-0.5).description == "-0.5")
        #expect(Term.float(0.0).description == "0.0")
        #expect(Term.float(-0.0).description == "-0.0")
        #expect(Term.float(100.0).description == "100.0")
    }

    /// Doubles (by bit pattern) and how Erlang/OTP 25 prints them with `~w`,
    /// generated with `io:format("~w", [F])`.
    static let erlangFloats: [(UInt64, String)] = [
        (0x3ff0000000000000, "1.0"),
        (0x444b1ae4d6e2ef50, "1.0e21"),
        (0x3e8421f5f40d8376, "1.5e-7"),
        (0xbfe0000000000000, "-0.5"),
        (0x3fb999999999999a, "0.1"),
        (0x4059000000000000, "100.0"),
        (0x408f400000000000, "1.0e3"),
        (0x412e848000000000, "1.0e6"),
        (0x419d6f3454000000, "123456789.0"),
        (0x430c6bf526340000, "1.0e15"),
        (0x4341c37937e08000, "1.0e16"),
        (0x433fffffffffffff, "9007199254740991.0"),
        (0x4340000000000000, "9.007199254740992e15"),
        (0x4345ee2a2eb5a5c4, "1.2345678901234568e16"),
        (0x3ee4f8b588e368f1, "1.0e-5"),
        (0x3f1a36e2eb1c432d, "0.0001"),
        (0x3f50624dd2f1a9fc, "0.001"),
        (0x3efa36e2eb1c432d, "2.5e-5"),
        (0x400921fb54442d18, "3.141592653589793"),
        (0xbdf2ae0d4d8fadc6, "-2.718281828459045e-10"),
        (0x7fefffffffffffff, "1.7976931348623157e308"),
        (0x0000000000000001, "5.0e-324"),
        (0x0010000000000000, "2.2250738585072014e-308"),
        (0x3fd3333333333334, "0.30000000000000004"),
        (0x3fd5555555555555, "0.3333333333333333"),
        (0x405edd2f1a9fbe77, "123.456"),
        (0x4480f0cf064dd592, "1.0e22"),
        (0x54b249ad2594c37d, "1.0e100"),
        (0xab2bff2ee48e0530, "-1.0e-100"),
        (0x40f0000000000000, "65536.0"),
        (0x414e848000000000, "4.0e6"),
        (0x41512a8800000000, "4.5e6"),
        (0x4132d68700000000, "1234567.0"),
        (0x0000000000000000, "0.0"),
        (0x8000000000000000, "-0.0"),
    ]

    /// Kit bug (fixed): floats were laid out as Swift prints them
    /// (`1000000.0`, `1000000000000000.0`), not as Erlang does (`1.0e6`, `1.0e15`).
    @Test func floatsMatchErlang() {
        for (bits, erlang) in Self.erlangFloats {
            let value = Double(bitPattern: bits)
            #expect(ErlangSyntax.float(value) == erlang, "\(value)")
            #expect(Double(erlang) == value, "\(erlang) reads back")
        }
    }

    @Test func binaries() {
        #expect(Term.binary(Array("abc".utf8)).description == "<<\"abc\">>")
        #expect(Term.binary([1, 2, 255]).description == "<<1,2,255>>")
        #expect(Term.binary([]).description == "<<>>")
        #expect(Term.binary(Array("a\"b".utf8)).description == "<<\"a\\\"b\">>")
        #expect(Term.binary([0x61, 0x00]).description == "<<97,0>>")
    }

    /// Kit bug (fixed): UTF-8 text beyond ASCII printed as `<<"é">>`, which
    /// Erlang reads as the one byte 233, not the two bytes of "é".
    @Test func utf8BinariesSayUtf8() {
        #expect(Term.binary(Array("é".utf8)).description == "<<\"é\"/utf8>>")
        #expect(Term.binary([0xE9]).description == "<<233>>")     // not UTF-8: bytes
    }

    @Test func nestedTuplesListsAndMaps() {
        let term: Term = .tuple(.atom("ok"), [1, 2.5, "x", .tuple([])], [:])
        #expect(term.description == "{ok,[1,2.5,\"x\",{}],#{}}")
        #expect(Term.list([.list([]), .atom("EXIT")]).description == "[[],'EXIT']")
    }

    @Test func mapKeysPrintInTermOrder() {
        let map: Term = [
            .string("s"): 1,
            .atom("b"): 2,
            .int(3): 3,
            .atom("a"): 4,
            .tuple([.int(1)]): 5,
            .float(2.5): 6,
        ]
        #expect(map.description == "#{2.5 => 6,3 => 3,a => 4,b => 2,{1} => 5,\"s\" => 1}")
    }

    @Test func pidsAndReferencesPrintInErlangShape() {
        #expect(Term.pid(Fixtures.pid(42)).description == "<0.42.1>")
        #expect(Term.ref(Fixtures.ref(7)).description == "#Ref<1.7>")
    }
}
