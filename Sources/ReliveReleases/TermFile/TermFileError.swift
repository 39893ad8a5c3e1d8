/// A syntax error in an Erlang term file.
///
/// Carries the file name, the position, what is wrong, and the offending source
/// line so that `description` can show it with a caret under the column:
///
///     counter.app:3:14: unterminated string
///         {vsn, "1.0},
///                ^
public struct TermFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file name as given to the reader (or `<input>`).
    public var file: String
    /// Where the problem is.
    public var position: SourcePosition
    /// What is wrong, in a few words.
    public var message: String
    /// The text of the offending line (without its newline), for display.
    public var sourceLine: String

    public init(file: String, position: SourcePosition, message: String, sourceLine: String) {
        self.file = file
        self.position = position
        self.message = message
        self.sourceLine = sourceLine
    }

    public var description: String {
        // Line 0: the file itself (it could not be read); no line to show.
        guard position.line > 0 else { return "\(file): \(message)" }
        // Tabs are kept in the caret line so that it lines up with the source.
        var caret = ""
        var col = 1
        for ch in sourceLine.unicodeScalars {
            if col >= position.column { break }
            caret.unicodeScalars.append(ch == "\t" ? "\t" : " ")
            col += 1
        }
        while col < position.column { caret += " "; col += 1 }
        return "\(file):\(position): \(message)\n    \(sourceLine)\n    \(caret)^"
    }
}
