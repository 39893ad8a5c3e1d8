/// A place in a term file: 1-based line and column (columns count Unicode
/// scalars, so a caret under the offending line points at the right character).
public struct SourcePosition: Sendable, Hashable, CustomStringConvertible {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public var description: String { "\(line):\(column)" }
}
