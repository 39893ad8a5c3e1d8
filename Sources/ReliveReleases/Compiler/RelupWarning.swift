import ReliveKit

/// Something the relup compiler accepted but wants people to look at.
///
/// OTP's warnings keep OTP's names (`bad_vsn`, `erts_vsn_changed`); Relive adds
/// `uncovered_module`: a module of a changed application that no appup
/// instruction loads (``RelupCompiler/Options/strict`` makes it an error).
public struct RelupWarning: Sendable, Equatable, CustomStringConvertible {
    public var name: String
    /// OTP's warning term, e.g. `{bad_vsn, {"2", "3"}}`.
    public var term: Term
    public var message: String

    public init(name: String, term: Term, message: String) {
        self.name = name
        self.term = term
        self.message = message
    }

    public var description: String { "warning: \(name): \(message)" }
}
