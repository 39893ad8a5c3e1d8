import Foundation
import ReliveKit

/// Reading and writing Erlang term files (`file:consult/1` syntax): several
/// terms, each ending in a dot; `%` comments.
///
/// Supported: atoms (bare and quoted, with escapes), strings (escapes, adjacent
/// literals concatenated), integers (`Base#digits` for bases 2..36, `$c`
/// characters, `_` digit separators), floats (with exponents), negative
/// numbers, tuples, lists (with `[H|T]` where T is a list), maps `#{K => V}`,
/// binaries `<<"text">>`, `<<"text"/utf8>>`, `<<1,2,3>>`.
///
/// Not supported (an error with a position): variables, records, expressions,
/// integers beyond 64 bits, improper lists, binary segment sizes, pids, refs
/// and funs. Input must be UTF-8.
///
/// How strings read: `"abc"` reads as `.string("abc")`, and `""` as
/// `.string("")` (Erlang's `""` is `[]`; the models accept both).
public enum TermFile {
    /// How deeply tuples, lists, maps and binaries may nest.
    public static let maxDepth = 200

    /// Parses `bytes` as a term file.
    ///
    /// - Parameters:
    ///   - bytes: the file's content (UTF-8).
    ///   - file: the name used in error messages.
    /// - Returns: the terms with their positions.
    /// - Throws: ``TermFileError`` naming file:line:column. Never traps, whatever the input.
    public static func parse(_ bytes: [UInt8], file: String = "<input>") throws(TermFileError) -> TermDocument {
        var parser = try TermParser(bytes: bytes, file: file, maxDepth: maxDepth)
        let parsed = try parser.parseAll()
        return TermDocument(file: file, terms: parsed.map(\.term), positions: parsed.map(\.position))
    }

    /// Parses `text` as a term file. See ``parse(_:file:)-([UInt8],_)``.
    public static func parse(_ text: String, file: String = "<input>") throws(TermFileError) -> TermDocument {
        try parse(Array(text.utf8), file: file)
    }

    /// Reads and parses the file at `path`.
    ///
    /// - Throws: ``TermFileError`` (position 0:0 when the file cannot be read).
    public static func read(path: String) throws(TermFileError) -> TermDocument {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TermFileError(file: path, position: SourcePosition(line: 0, column: 0),
                                message: "cannot read the file", sourceLine: "")
        }
        return try parse([UInt8](data), file: path)
    }

    /// `terms` in term-file syntax, each pretty-printed and ended with `.\n`.
    ///
    /// - Throws: ``TermWriteError`` for values a term file cannot hold (pids,
    ///   references, NaN and infinite floats).
    public static func format(_ terms: [Term], width: Int = 80) throws(TermWriteError) -> String {
        var out = ""
        for term in terms {
            out += try TermWriter(width: width).format(term)
            out += ".\n"
        }
        return out
    }

    /// Writes `terms` to `path` atomically (a temporary file, then a rename).
    ///
    /// - Parameter header: an optional comment line without `%` (e.g. `coding: utf-8`).
    public static func write(_ terms: [Term], to path: String, header: String? = nil) throws {
        var text = ""
        if let header { text += "%% \(header)\n" }
        text += try format(terms)
        let url = URL(fileURLWithPath: path)
        try Data(text.utf8).write(to: url, options: .atomic)
    }
}
