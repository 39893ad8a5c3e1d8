import ReliveKit

/// The terms of one Erlang term file, with where each starts.
public struct TermDocument: Sendable {
    /// The file name used in error messages.
    public var file: String
    /// The terms, in file order.
    public var terms: [Term]
    /// The start of each term (same count and order as `terms`).
    public var positions: [SourcePosition]

    public init(file: String, terms: [Term], positions: [SourcePosition]) {
        self.file = file
        self.terms = terms
        self.positions = positions
    }

    /// The only term of a file that must hold exactly one (`.app`, `.rel`, ...).
    ///
    /// - Throws: ``TermFileError`` when the file holds no term or more than one.
    public func single() throws(TermFileError) -> Term {
        guard let first = terms.first else {
            throw TermFileError(file: file, position: SourcePosition(line: 1, column: 1),
                                message: "the file holds no term", sourceLine: "")
        }
        guard terms.count == 1 else {
            let pos = positions.count > 1 ? positions[1] : SourcePosition(line: 1, column: 1)
            throw TermFileError(file: file, position: pos,
                                message: "the file must hold exactly one term, found \(terms.count)", sourceLine: "")
        }
        return first
    }
}
