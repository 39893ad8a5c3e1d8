/// Splits the bytes of an Erlang term file into tokens.
///
/// Works on raw UTF-8 bytes and never indexes past the end: every read goes
/// through `peek(_:)`, which answers 0 beyond the input. Text inside quotes and
/// comments may be any UTF-8; invalid UTF-8 inside quotes is an error.
struct TermLexer {
    let bytes: [UInt8]
    let file: String
    private(set) var index = 0
    private(set) var line = 1
    private(set) var column = 1

    init(bytes: [UInt8], file: String) {
        self.bytes = bytes
        self.file = file
    }

    var position: SourcePosition { SourcePosition(line: line, column: column) }

    // MARK: reading bytes

    private func peek(_ offset: Int = 0) -> UInt8 {
        let i = index + offset
        return i >= 0 && i < bytes.count ? bytes[i] : 0
    }

    private var atEnd: Bool { index >= bytes.count }

    private mutating func advance() {
        guard index < bytes.count else { return }
        let b = bytes[index]
        index += 1
        if b == UInt8(ascii: "\n") {
            line += 1
            column = 1
        } else if b & 0xC0 != 0x80 {
            column += 1         // continuation bytes do not start a new character
        }
    }

    /// An error at `position` (or the current position).
    func error(_ message: String, at position: SourcePosition? = nil) -> TermFileError {
        let pos = position ?? self.position
        return TermFileError(file: file, position: pos, message: message,
                             sourceLine: TermLexer.sourceLine(pos.line, in: bytes))
    }

    /// The text of line `number` (1-based), invalid UTF-8 repaired for display.
    static func sourceLine(_ number: Int, in bytes: [UInt8]) -> String {
        var current = 1
        var start = 0
        var i = 0
        while i < bytes.count && current < number {
            if bytes[i] == UInt8(ascii: "\n") { current += 1; start = i + 1 }
            i += 1
        }
        guard current == number else { return "" }
        var end = start
        while end < bytes.count && bytes[end] != UInt8(ascii: "\n") && bytes[end] != UInt8(ascii: "\r") { end += 1 }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }

    // MARK: classes

    private static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
    private static func isLower(_ b: UInt8) -> Bool { b >= 0x61 && b <= 0x7A }
    private static func isUpper(_ b: UInt8) -> Bool { b >= 0x41 && b <= 0x5A }
    private static func isNameChar(_ b: UInt8) -> Bool {
        isDigit(b) || isLower(b) || isUpper(b) || b == UInt8(ascii: "_") || b == UInt8(ascii: "@")
    }
    private static func isSpace(_ b: UInt8) -> Bool {
        b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D || b == 0x0B || b == 0x0C
    }

    /// Erlang's reserved words (OTP 25's erl_scan; `maybe` and `else` are
    /// reserved only with the maybe_expr feature, so they read as atoms here).
    private static let reservedWords: Set<String> = [
        "after", "and", "andalso", "band", "begin", "bnot", "bor", "bsl", "bsr", "bxor",
        "case", "catch", "cond", "div", "end", "fun", "if", "let", "not", "of",
        "or", "orelse", "receive", "rem", "try", "when", "xor",
    ]

    // MARK: tokens

    /// The next token; `.end` at the end of the input (and forever after).
    mutating func next() throws(TermFileError) -> Token {
        skipSpaceAndComments()
        let start = position
        guard !atEnd else { return Token(kind: .end, position: start) }
        let b = peek()
        switch b {
        case _ where TermLexer.isLower(b):
            var name = ""
            while TermLexer.isNameChar(peek()) { name.unicodeScalars.append(Unicode.Scalar(peek())); advance() }
            if TermLexer.reservedWords.contains(name) {
                throw error("'\(name)' is a reserved word; quote it to use it as an atom", at: start)
            }
            return Token(kind: .atom(name), position: start)
        case _ where TermLexer.isUpper(b) || b == UInt8(ascii: "_"):
            var name = ""
            while TermLexer.isNameChar(peek()) { name.unicodeScalars.append(Unicode.Scalar(peek())); advance() }
            throw error("variable '\(name)' is not allowed in a term file", at: start)
        case _ where TermLexer.isDigit(b):
            return try number(start: start)
        case UInt8(ascii: "'"):
            advance()
            let text = try quoted(UInt8(ascii: "'"), start: start, what: "atom")
            return Token(kind: .atom(text), position: start)
        case UInt8(ascii: "\""):
            advance()
            let text = try quoted(UInt8(ascii: "\""), start: start, what: "string")
            return Token(kind: .string(text), position: start)
        case UInt8(ascii: "$"):
            advance()
            guard !atEnd else { throw error("character literal '$' at the end of the input", at: start) }
            let value = try character(start: start)
            return Token(kind: .int(UInt64(value.value)), position: start)
        case UInt8(ascii: "."):
            advance()
            let n = peek()
            if atEnd || TermLexer.isSpace(n) || n == UInt8(ascii: "%") { return Token(kind: .dot, position: start) }
            throw error("unexpected '.'", at: start)
        case UInt8(ascii: "="):
            if peek(1) == UInt8(ascii: ">") { advance(); advance(); return Token(kind: .punct("=>"), position: start) }
            throw error("unexpected '='", at: start)
        case UInt8(ascii: "<"):
            if peek(1) == UInt8(ascii: "<") { advance(); advance(); return Token(kind: .punct("<<"), position: start) }
            throw error("unexpected '<'", at: start)
        case UInt8(ascii: ">"):
            if peek(1) == UInt8(ascii: ">") { advance(); advance(); return Token(kind: .punct(">>"), position: start) }
            throw error("unexpected '>'", at: start)
        case UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: "["), UInt8(ascii: "]"),
             UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: ","), UInt8(ascii: "|"),
             UInt8(ascii: "#"), UInt8(ascii: "/"), UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: ":"):
            advance()
            return Token(kind: .punct(String(Unicode.Scalar(b))), position: start)
        default:
            if b < 0x80, b >= 0x21 {
                throw error("unexpected character '\(Unicode.Scalar(b))'", at: start)
            }
            throw error("unexpected byte 0x" + String(b, radix: 16, uppercase: true), at: start)
        }
    }

    private mutating func skipSpaceAndComments() {
        while !atEnd {
            let b = peek()
            if TermLexer.isSpace(b) {
                advance()
            } else if b == UInt8(ascii: "%") {
                while !atEnd && peek() != UInt8(ascii: "\n") { advance() }
            } else {
                return
            }
        }
    }

    // MARK: numbers

    /// Digits (with `_` separators between digits, as Erlang allows) in `radix`.
    private mutating func digits(radix: Int) -> String {
        var text = ""
        while true {
            let b = peek()
            if let _ = TermLexer.digitValue(b, radix: radix) {
                text.unicodeScalars.append(Unicode.Scalar(b))
                advance()
            } else if b == UInt8(ascii: "_"), !text.isEmpty,
                      TermLexer.digitValue(peek(1), radix: radix) != nil {
                advance()
            } else {
                return text
            }
        }
    }

    private static func digitValue(_ b: UInt8, radix: Int) -> Int? {
        let v: Int
        if isDigit(b) { v = Int(b) - 0x30 }
        else if isLower(b) { v = Int(b) - 0x61 + 10 }
        else if isUpper(b) { v = Int(b) - 0x41 + 10 }
        else { return nil }
        return v < radix ? v : nil
    }

    private mutating func number(start: SourcePosition) throws(TermFileError) -> Token {
        let whole = digits(radix: 10)
        if peek() == UInt8(ascii: "#") {
            guard let radix = Int(whole), (2...36).contains(radix) else {
                throw error("base \(whole) is not between 2 and 36", at: start)
            }
            advance()
            let body = digits(radix: radix)
            guard !body.isEmpty else { throw error("missing digits after '\(whole)#'") }
            guard let value = UInt64(body, radix: radix) else {
                throw error("integer \(whole)#\(body) does not fit in 64 bits", at: start)
            }
            return Token(kind: .int(value), position: start)
        }
        if peek() == UInt8(ascii: "."), TermLexer.isDigit(peek(1)) {
            advance()
            var text = whole + "." + digits(radix: 10)
            if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
                let sign = peek(1)
                let hasSign = sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-")
                if TermLexer.isDigit(peek(hasSign ? 2 : 1)) {
                    advance()
                    text += "e"
                    if hasSign { text.unicodeScalars.append(Unicode.Scalar(sign)); advance() }
                    text += digits(radix: 10)
                }
            }
            guard let value = Double(text), value.isFinite else {
                throw error("float \(text) is out of range", at: start)
            }
            return Token(kind: .float(value), position: start)
        }
        guard let value = UInt64(whole) else {
            throw error("integer \(whole) does not fit in 64 bits", at: start)
        }
        return Token(kind: .int(value), position: start)
    }

    // MARK: quoted text

    /// The text of a quoted atom or string whose opening quote was consumed.
    private mutating func quoted(_ quote: UInt8, start: SourcePosition, what: String) throws(TermFileError) -> String {
        var raw: [UInt8] = []
        var escaped: [Unicode.Scalar] = []     // built only when an escape appears
        var hasEscape = false
        while true {
            guard !atEnd else { throw error("unterminated \(what)", at: start) }
            let b = peek()
            if b == quote { advance(); break }
            if b == UInt8(ascii: "\\") {
                if !hasEscape {
                    hasEscape = true
                    guard let text = String(validating: raw, as: UTF8.self) else {
                        throw error("invalid UTF-8 in \(what)", at: start)
                    }
                    escaped = Array(text.unicodeScalars)
                }
                let escPos = position
                advance()
                guard !atEnd else { throw error("unterminated \(what)", at: start) }
                escaped.append(try escape(at: escPos))
                continue
            }
            if hasEscape {
                escaped.append(try utf8Scalar(start: start, what: what))
            } else {
                raw.append(b)
                advance()
            }
        }
        if hasEscape {
            var s = ""
            s.unicodeScalars.append(contentsOf: escaped)
            return s
        }
        guard let text = String(validating: raw, as: UTF8.self) else {
            throw error("invalid UTF-8 in \(what)", at: start)
        }
        return text
    }

    /// Decodes one UTF-8 encoded scalar at the current index.
    private mutating func utf8Scalar(start: SourcePosition, what: String) throws(TermFileError) -> Unicode.Scalar {
        let b = peek()
        let length: Int
        switch b {
        case 0x00..<0x80: advance(); return Unicode.Scalar(b)
        case 0xC2..<0xE0: length = 2
        case 0xE0..<0xF0: length = 3
        case 0xF0..<0xF5: length = 4
        default: throw error("invalid UTF-8 in \(what)")
        }
        guard index + length <= bytes.count else { throw error("invalid UTF-8 in \(what)") }
        let slice = Array(bytes[index..<(index + length)])
        guard let s = String(validating: slice, as: UTF8.self), let scalar = s.unicodeScalars.first,
              s.unicodeScalars.count == 1 else {
            throw error("invalid UTF-8 in \(what)")
        }
        for _ in 0..<length { advance() }
        return scalar
    }

    /// One escape sequence after its backslash (Erlang's escapes).
    private mutating func escape(at escPos: SourcePosition) throws(TermFileError) -> Unicode.Scalar {
        let b = peek()
        switch b {
        case UInt8(ascii: "b"): advance(); return "\u{08}"
        case UInt8(ascii: "d"): advance(); return "\u{7F}"
        case UInt8(ascii: "e"): advance(); return "\u{1B}"
        case UInt8(ascii: "f"): advance(); return "\u{0C}"
        case UInt8(ascii: "n"): advance(); return "\n"
        case UInt8(ascii: "r"): advance(); return "\r"
        case UInt8(ascii: "s"): advance(); return " "
        case UInt8(ascii: "t"): advance(); return "\t"
        case UInt8(ascii: "v"): advance(); return "\u{0B}"
        case UInt8(ascii: "0")...UInt8(ascii: "7"):
            var value = 0
            var count = 0
            while count < 3, peek() >= UInt8(ascii: "0"), peek() <= UInt8(ascii: "7") {
                value = value * 8 + Int(peek() - UInt8(ascii: "0"))
                advance()
                count += 1
            }
            // At most 0o777 = 511, always a valid scalar; Erlang keeps it as is.
            return Unicode.Scalar(UInt32(value)) ?? "\u{FFFD}"
        case UInt8(ascii: "x"):
            advance()
            var hex = ""
            if peek() == UInt8(ascii: "{") {
                advance()
                while TermLexer.digitValue(peek(), radix: 16) != nil, hex.count < 9 {
                    hex.unicodeScalars.append(Unicode.Scalar(peek()))
                    advance()
                }
                guard peek() == UInt8(ascii: "}") else { throw error("bad \\x{...} escape", at: escPos) }
                advance()
            } else {
                for _ in 0..<2 {
                    guard TermLexer.digitValue(peek(), radix: 16) != nil else { throw error("bad \\x escape", at: escPos) }
                    hex.unicodeScalars.append(Unicode.Scalar(peek()))
                    advance()
                }
            }
            guard let value = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(value) else {
                throw error("\\x{\(hex)} is not a Unicode character", at: escPos)
            }
            return scalar
        case UInt8(ascii: "^"):
            advance()
            let c = peek()
            guard c >= 0x40 && c < 0x80 else { throw error("bad \\^ escape", at: escPos) }
            advance()
            return Unicode.Scalar(c & 0x1F)
        default:
            // Erlang: any other escaped character stands for itself (\\, \', \").
            return try utf8Scalar(start: escPos, what: "escape")
        }
    }

    /// The character of a `$c` literal (the `$` consumed).
    private mutating func character(start: SourcePosition) throws(TermFileError) -> Unicode.Scalar {
        if peek() == UInt8(ascii: "\\") {
            advance()
            guard !atEnd else { throw error("unterminated character literal", at: start) }
            return try escape(at: start)
        }
        return try utf8Scalar(start: start, what: "character literal")
    }
}
