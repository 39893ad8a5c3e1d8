/// How atoms, strings and floats are written in Erlang's syntax; shared by
/// `Term.description` and the term-file writer so that both agree.
public enum ErlangSyntax {
    static let reservedWords: Set<String> = [
        "after", "and", "andalso", "band", "begin", "bnot", "bor", "bsl", "bsr", "bxor",
        "case", "catch", "cond", "div", "end", "fun", "if", "let", "maybe", "not", "of",
        "or", "orelse", "receive", "rem", "try", "when", "xor",
    ]

    /// The atom `name` as Erlang writes it: bare when it is a lower-case word
    /// that is not a reserved word, single-quoted and escaped otherwise.
    public static func atom(_ name: String) -> String {
        if isBareAtom(name) { return name }
        return "'" + escape(name, quote: "'") + "'"
    }

    static func isBareAtom(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, ("a"..."z").contains(first) else { return false }
        for s in name.unicodeScalars {
            let ok = ("a"..."z").contains(s) || ("A"..."Z").contains(s) || ("0"..."9").contains(s)
                || s == "_" || s == "@"
            if !ok { return false }
        }
        return !reservedWords.contains(name)
    }

    /// `text` as an Erlang string literal, in double quotes.
    public static func string(_ text: String) -> String {
        "\"" + escape(text, quote: "\"") + "\""
    }

    /// Escapes `text` for a quoted Erlang atom or string.
    public static func escape(_ text: String, quote: Character) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "\u{0B}": out += "\\v"
            case "\u{1B}": out += "\\e"
            case "\u{7F}": out += "\\d"
            default:
                if Character(scalar) == quote {
                    out += "\\" + String(quote)
                } else if scalar.value < 0x20 {
                    // Always three octal digits: Erlang reads up to three, so
                    // "\1" followed by "2" would read back as "\12" (a newline).
                    let octal = String(scalar.value, radix: 8)
                    out += "\\" + String(repeating: "0", count: 3 - octal.count) + octal
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    /// A float as Erlang prints it (`io:format("~w")`, `float_to_list(F, [short])`):
    /// the shortest digits that read back as the same double, in decimal
    /// (`0.1`, `100.0`, `123456789.0`) or scientific notation (`1.0e6`,
    /// `1.5e-7`), whichever is shorter, decimal on a tie; values of 2^53 and
    /// more are always scientific. Checked against Erlang/OTP on thousands of
    /// doubles across the whole range.
    public static func float(_ value: Double) -> String {
        guard value.isFinite else { return value.isNaN ? "nan" : (value < 0 ? "-inf" : "inf") }
        let sign = value.sign == .minus ? "-" : ""
        // Swift's description has the shortest round-trip digits too; only
        // the layout differs ("1e-07", "1e+16", "1000000.0").
        var text = "\(value.magnitude)"
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exponent = Int(text[text.index(after: e)...]) ?? 0
            text = String(text[..<e])
        }
        var digits: [UInt8] = []
        var integerDigits = 0       // digits before the point in `text`
        var seenPoint = false
        for byte in text.utf8 {
            if byte == UInt8(ascii: ".") { seenPoint = true; continue }
            digits.append(byte)
            if !seenPoint { integerDigits += 1 }
        }
        // value = 0.d1d2d3… × 10^point once leading zeros are gone.
        var point = integerDigits + exponent
        while digits.count > 1, digits.first == UInt8(ascii: "0") { digits.removeFirst(); point -= 1 }
        while digits.count > 1, digits.last == UInt8(ascii: "0") { digits.removeLast() }
        if digits == [UInt8(ascii: "0")] { return sign + "0.0" }

        let all = String(decoding: digits, as: UTF8.self)
        let rest = String(decoding: digits.dropFirst(), as: UTF8.self)
        let scientific = String(all.prefix(1)) + "." + (rest.isEmpty ? "0" : rest) + "e" + String(point - 1)
        if value.magnitude >= 9_007_199_254_740_992.0 { return sign + scientific }   // 2^53
        let decimal: String
        if point <= 0 {
            decimal = "0." + String(repeating: "0", count: -point) + all
        } else if point >= digits.count {
            decimal = all + String(repeating: "0", count: point - digits.count) + ".0"
        } else {
            decimal = String(all.prefix(point)) + "." + String(all.dropFirst(point))
        }
        return sign + (scientific.utf8.count < decimal.utf8.count ? scientific : decimal)
    }

    /// A binary as Erlang prints it (`io:format("~tp")`): `<<"text">>` when
    /// the bytes are printable ASCII, `<<"tëxt"/utf8>>` when they are
    /// printable UTF-8 text beyond ASCII (a bare `<<"ë">>` would read back as
    /// the one Latin-1 byte 235), `<<1,2,3>>` otherwise.
    public static func binary(_ bytes: [UInt8]) -> String {
        if !bytes.isEmpty, let text = String(validating: bytes, as: UTF8.self),
           text.unicodeScalars.allSatisfy({ ($0.value >= 0x20 && $0.value != 0x7F) || $0 == "\n" || $0 == "\t" }) {
            let ascii = bytes.allSatisfy { $0 < 0x80 }
            return "<<" + string(text) + (ascii ? "" : "/utf8") + ">>"
        }
        return "<<" + bytes.map(String.init).joined(separator: ",") + ">>"
    }
}
