/// A term file that parses but does not hold what its kind requires
/// (a `.app` without `vsn`, a `.rel` application that is not `{App, Vsn}`, ...).
public struct ModelError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file name (or `<input>`).
    public var file: String
    /// Where the offending term starts, when known.
    public var position: SourcePosition?
    /// The kind of file (`.app`, `.rel`, `.appup`, `relup`, `RELEASES`, `sys.config`).
    public var kind: String
    /// What is wrong, naming the field.
    public var message: String

    public init(file: String, position: SourcePosition?, kind: String, message: String) {
        self.file = file
        self.position = position
        self.kind = kind
        self.message = message
    }

    public var description: String {
        let place = position.map { "\(file):\($0)" } ?? file
        return "\(place): bad \(kind): \(message)"
    }
}
