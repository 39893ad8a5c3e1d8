import ReliveKit

/// Parses the tokens of an Erlang term file into terms.
///
/// Recursive descent with an explicit nesting limit (``TermFile/maxDepth``) so
/// that hostile input cannot exhaust the stack; every error carries a position.
struct TermParser {
    private var lexer: TermLexer
    private var lookahead: Token
    private var depth = 0
    let maxDepth: Int

    init(bytes: [UInt8], file: String, maxDepth: Int) throws(TermFileError) {
        lexer = TermLexer(bytes: bytes, file: file)
        self.maxDepth = maxDepth
        lookahead = Token(kind: .end, position: SourcePosition(line: 1, column: 1))
        lookahead = try lexer.next()
    }

    /// Every term of the input, each with the position where it starts.
    mutating func parseAll() throws(TermFileError) -> [(term: Term, position: SourcePosition)] {
        var out: [(term: Term, position: SourcePosition)] = []
        while lookahead.kind != .end {
            let start = lookahead.position
            let term = try parseTerm()
            guard lookahead.kind == .dot else {
                throw lexer.error("expected '.' after the term, found \(describe(lookahead))", at: lookahead.position)
            }
            try advance()
            out.append((term, start))
        }
        return out
    }

    private mutating func advance() throws(TermFileError) {
        lookahead = try lexer.next()
    }

    private func describe(_ token: Token) -> String {
        switch token.kind {
        case .atom(let a): "atom \(ErlangSyntax.atom(a))"
        case .string: "a string"
        case .int(let i): "integer \(i)"
        case .float(let f): "float \(ErlangSyntax.float(f))"
        case .punct(let p): "'\(p)'"
        case .dot: "'.'"
        case .end: "the end of the input"
        }
    }

    private mutating func expect(_ punct: String, closing opener: SourcePosition? = nil) throws(TermFileError) {
        guard lookahead.kind == .punct(punct) else {
            var message = "expected '\(punct)', found \(describe(lookahead))"
            if let opener { message += " (opened at \(opener))" }
            throw lexer.error(message, at: lookahead.position)
        }
        try advance()
    }

    private mutating func parseTerm() throws(TermFileError) -> Term {
        let token = lookahead
        switch token.kind {
        case .atom(let name):
            try advance()
            guard let atom = Atom(validating: name) else {
                // Two reasons, told apart so that the message says which.
                if name.utf8.count > 255 {
                    throw lexer.error("atom is longer than 255 bytes", at: token.position)
                }
                throw lexer.error("the budget for atoms from files is spent (\(Atom.externalLimit) atoms): "
                                  + "refusing to create atom \(ErlangSyntax.atom(name))", at: token.position)
            }
            return .atom(atom)
        case .int(let magnitude):
            try advance()
            guard let i = Int(exactly: magnitude) else {
                throw lexer.error("integer \(magnitude) does not fit in 64 bits", at: token.position)
            }
            return .int(i)
        case .float(let f):
            try advance()
            return .float(f)
        case .string(let first):
            try advance()
            var text = first
            // Adjacent string literals are one string, as in Erlang.
            while case .string(let more) = lookahead.kind {
                text += more
                try advance()
            }
            return .string(text)
        case .punct("-"), .punct("+"):
            let negative = token.kind == .punct("-")
            try advance()
            switch lookahead.kind {
            case .int(let magnitude):
                // Negative numbers reach 2^63 (Int.min), positive ones 2^63 - 1.
                let limit = negative ? UInt64(Int.max) + 1 : UInt64(Int.max)
                guard magnitude <= limit else {
                    throw lexer.error("integer \(negative ? "-" : "")\(magnitude) does not fit in 64 bits",
                                      at: token.position)
                }
                try advance()
                return .int(negative ? Int(truncatingIfNeeded: 0 &- magnitude) : Int(magnitude))
            case .float(let f):
                try advance()
                return .float(negative ? -f : f)
            default:
                throw lexer.error("expected a number after '\(negative ? "-" : "+")', found \(describe(lookahead))",
                                  at: lookahead.position)
            }
        case .punct("{"):
            return try nested(token.position) { (p: inout TermParser) throws(TermFileError) in
                let elements = try p.sequence(until: "}", opener: token.position)
                return .tuple(elements)
            }
        case .punct("["):
            return try nested(token.position) { (p: inout TermParser) throws(TermFileError) in try p.list(token.position) }
        case .punct("<<"):
            return try nested(token.position) { (p: inout TermParser) throws(TermFileError) in try p.binary(token.position) }
        case .punct("#"):
            try advance()
            guard lookahead.kind == .punct("{") else {
                throw lexer.error("records are not allowed in a term file; expected '#{' for a map", at: token.position)
            }
            return try nested(token.position) { (p: inout TermParser) throws(TermFileError) in try p.map(token.position) }
        default:
            throw lexer.error("expected a term, found \(describe(token))", at: token.position)
        }
    }

    /// Runs `body` one nesting level deeper, refusing to go past `maxDepth`.
    private mutating func nested(_ position: SourcePosition,
                                 _ body: (inout TermParser) throws(TermFileError) -> Term) throws(TermFileError) -> Term {
        guard depth < maxDepth else {
            throw lexer.error("terms nested deeper than \(maxDepth) levels", at: position)
        }
        depth += 1
        defer { depth -= 1 }
        return try body(&self)
    }

    /// Comma-separated terms after an opening bracket (consumed here), up to `closer`.
    private mutating func sequence(until closer: String, opener: SourcePosition) throws(TermFileError) -> [Term] {
        try advance()       // the opener
        var elements: [Term] = []
        if lookahead.kind == .punct(closer) { try advance(); return elements }
        while true {
            elements.append(try parseTerm())
            if lookahead.kind == .punct(",") { try advance(); continue }
            try expect(closer, closing: opener)
            return elements
        }
    }

    private mutating func list(_ opener: SourcePosition) throws(TermFileError) -> Term {
        try advance()
        var elements: [Term] = []
        if lookahead.kind == .punct("]") { try advance(); return .list([]) }
        while true {
            elements.append(try parseTerm())
            if lookahead.kind == .punct(",") { try advance(); continue }
            if lookahead.kind == .punct("|") {
                try advance()
                let tailPos = lookahead.position
                let tail = try parseTerm()
                switch tail {
                case .list(let rest): elements += rest
                case .string(let s): elements += s.unicodeScalars.map { .int(Int($0.value)) }
                default:
                    throw lexer.error("improper list: the tail after '|' must be a list", at: tailPos)
                }
            }
            try expect("]", closing: opener)
            return .list(elements)
        }
    }

    private mutating func binary(_ opener: SourcePosition) throws(TermFileError) -> Term {
        try advance()
        var bytes: [UInt8] = []
        if lookahead.kind == .punct(">>") { try advance(); return .binary([]) }
        while true {
            let segPos = lookahead.position
            switch lookahead.kind {
            case .string(let text):
                try advance()
                var utf8 = false
                if lookahead.kind == .punct("/") {
                    try advance()
                    guard case .atom("utf8") = lookahead.kind else {
                        throw lexer.error("only the /utf8 type is supported in binaries", at: lookahead.position)
                    }
                    try advance()
                    utf8 = true
                }
                if utf8 {
                    bytes += Array(text.utf8)
                } else {
                    // Erlang stores each character of "..." in one byte.
                    for scalar in text.unicodeScalars {
                        guard scalar.value < 256 else {
                            throw lexer.error("character beyond 255 in a binary string; write \"...\"/utf8", at: segPos)
                        }
                        bytes.append(UInt8(scalar.value))
                    }
                }
            case .int(let i):
                try advance()
                guard (0...255).contains(i) else {
                    throw lexer.error("binary segment \(i) is not a byte (0..255)", at: segPos)
                }
                bytes.append(UInt8(i))
            default:
                throw lexer.error("expected a byte or a string in a binary, found \(describe(lookahead))", at: segPos)
            }
            if lookahead.kind == .punct(":") || lookahead.kind == .punct("/") {
                throw lexer.error("binary segment sizes and types are not supported", at: lookahead.position)
            }
            if lookahead.kind == .punct(",") { try advance(); continue }
            try expect(">>", closing: opener)
            return .binary(bytes)
        }
    }

    private mutating func map(_ opener: SourcePosition) throws(TermFileError) -> Term {
        try advance()       // '{'
        var map = TermMap()
        if lookahead.kind == .punct("}") { try advance(); return .map(map) }
        while true {
            let key = try parseTerm()
            try expect("=>")
            let value = try parseTerm()
            map[key] = value        // a later duplicate key wins, as in Erlang
            if lookahead.kind == .punct(",") { try advance(); continue }
            try expect("}", closing: opener)
            return .map(map)
        }
    }
}
