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
                    out += "\\" + String(scalar.value, radix: 8)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    /// A float as Erlang prints it: shortest round-trip digits, always with a
    /// `.` in the mantissa (`1.0`, `1.5e-7`, `1.0e21`).
    public static func float(_ value: Double) -> String {
        guard value.isFinite else { return value.isNaN ? "nan" : (value < 0 ? "-inf" : "inf") }
        var text = "\(value)"           // Swift: shortest round-trip ("1e-07", "1.0", "1e+21")
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            var mantissa = String(text[..<e])
            var exponent = String(text[text.index(after: e)...])
            if !mantissa.contains(".") { mantissa += ".0" }
            if exponent.hasPrefix("+") { exponent.removeFirst() }
            let negative = exponent.hasPrefix("-")
            if negative { exponent.removeFirst() }
            while exponent.count > 1 && exponent.hasPrefix("0") { exponent.removeFirst() }
            text = mantissa + "e" + (negative ? "-" : "") + exponent
        } else if !text.contains(".") {
            text += ".0"
        }
        return text
    }

    /// A binary as Erlang prints it: `<<"text">>` when every byte is printable
    /// UTF-8 text, `<<1,2,3>>` otherwise.
    public static func binary(_ bytes: [UInt8]) -> String {
        if !bytes.isEmpty, let text = String(validating: bytes, as: UTF8.self),
           text.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F || $0 == "\n" || $0 == "\t" }) {
            return "<<" + string(text) + ">>"
        }
        return "<<" + bytes.map(String.init).joined(separator: ",") + ">>"
    }
}
