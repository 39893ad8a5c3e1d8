import ReliveKit

/// Writes terms in Erlang syntax with line breaks, in the manner of `~p`:
/// a term that fits on the rest of the line is written flat; otherwise its
/// elements go one per line, aligned one column after the opening bracket.
///
/// Everything it writes reads back (``TermFile/parse(_:file:)-(String,_)``) as an equal term.
struct TermWriter {
    let width: Int

    init(width: Int = 80) { self.width = max(width, 20) }

    func format(_ term: Term) throws(TermWriteError) -> String {
        var out = ""
        try write(term, column: 0, to: &out)
        return out
    }

    /// The term on one line.
    func flat(_ term: Term) throws(TermWriteError) -> String {
        switch term {
        case .int(let i): return String(i)
        case .float(let f):
            guard f.isFinite else { throw TermWriteError(message: "\(f) is not a finite float") }
            return ErlangSyntax.float(f)
        case .atom(let a): return TermWriter.atom(a.name)
        case .string(let s): return "\"" + TermWriter.escape(s, quote: "\"") + "\""
        case .binary(let b): return TermWriter.binary(b)
        case .pid: throw TermWriteError(message: "a pid cannot be written to a term file")
        case .ref: throw TermWriteError(message: "a reference cannot be written to a term file")
        case .tuple(let e): return "{" + (try e.map { (t) throws(TermWriteError) in try flat(t) }).joined(separator: ",") + "}"
        case .list(let e): return "[" + (try e.map { (t) throws(TermWriteError) in try flat(t) }).joined(separator: ",") + "]"
        case .map(let m):
            var parts: [String] = []
            for (k, v) in m.sortedEntries { parts.append(try flat(k) + " => " + (try flat(v))) }
            return "#{" + parts.joined(separator: ",") + "}"
        }
    }

    /// Binaries as `<<"text">>` only when every byte is printable ASCII (so
    /// Erlang reads the same bytes back), as `<<1,2,3>>` otherwise.
    static func binary(_ bytes: [UInt8]) -> String {
        if !bytes.isEmpty, bytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) {
            return "<<\"" + escape(String(decoding: bytes, as: UTF8.self), quote: "\"") + "\">>"
        }
        return "<<" + bytes.map { String($0) }.joined(separator: ",") + ">>"
    }

    /// An atom bare when Erlang allows it, quoted otherwise.
    static func atom(_ name: String) -> String {
        let bare = ErlangSyntax.atom(name)
        return bare == name ? name : "'" + escape(name, quote: "'") + "'"
    }

    /// Escapes text for a quoted atom or string. Unlike the kit's
    /// `ErlangSyntax.escape`, other control characters become three-digit
    /// octal escapes (`\025`), so that a digit after them cannot be read as
    /// part of the escape.
    static func escape(_ text: String, quote: Character) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            if scalar.value < 0x20, !"\n\t\r\u{08}\u{0C}\u{0B}\u{1B}".unicodeScalars.contains(scalar) {
                let octal = String(scalar.value, radix: 8)
                out += "\\" + String(repeating: "0", count: 3 - octal.count) + octal
            } else {
                out += ErlangSyntax.escape(String(scalar), quote: quote)
            }
        }
        return out
    }

    /// Atoms, numbers, strings, binaries and empty containers: never broken.
    static func isSimple(_ term: Term) -> Bool {
        switch term {
        case .tuple(let e), .list(let e): e.isEmpty
        case .map(let m): m.isEmpty
        default: true
        }
    }

    private func write(_ term: Term, column: Int, to out: inout String) throws(TermWriteError) {
        let text = try flat(term)
        if column + text.count <= width {
            out += text
            return
        }
        let open: String, close: String, elements: [Term]
        switch term {
        case .tuple(let e): (open, close, elements) = ("{", "}", e)
        case .list(let e): (open, close, elements) = ("[", "]", e)
        case .map(let m):
            out += "#{"
            let inner = column + 2
            var first = true
            for (k, v) in m.sortedEntries {
                if !first { out += ",\n" + String(repeating: " ", count: inner) }
                first = false
                let key = try flat(k)
                out += key + " => "
                try write(v, column: inner + key.count + 4, to: &out)
            }
            out += "}"
            return
        default:
            out += text     // atoms, numbers, strings: nothing to break
            return
        }
        out += open
        let inner = column + 1
        var col = inner
        var onFirstLine = open == "{"   // a tuple keeps its leading simple elements on its first line
        for (i, element) in elements.enumerated() {
            if onFirstLine, TermWriter.isSimple(element) {
                let piece = try flat(element)
                if i == 0 || col + piece.count + 1 <= width {
                    if i > 0 { out += "," ; col += 1 }
                    out += piece
                    col += piece.count
                    continue
                }
            }
            onFirstLine = false
            if i > 0 { out += ",\n" + String(repeating: " ", count: inner) }
            try write(element, column: inner, to: &out)
        }
        out += close
    }
}
