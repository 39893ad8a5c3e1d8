import ReliveKit

/// Why a relup could not be compiled.
///
/// `name` is OTP's error atom (`no_relup`, `suspended_not_resumed`,
/// `bad_module`, ...) and `reason` OTP's reason term where Relive can build the
/// same one (`{suspended_not_resumed, [m]}`), so that scripts and people used to
/// systools recognise it.
public struct RelupError: Error, Sendable, Equatable, CustomStringConvertible {
    /// OTP's error name.
    public var name: String
    /// OTP's reason term, e.g. `{bad_module, "m"}`.
    public var reason: Term
    /// A sentence for people.
    public var message: String

    public init(name: String, reason: Term, message: String) {
        self.name = name
        self.reason = reason
        self.message = message
    }

    /// An error whose reason is `{name, details...}` (or the bare atom without details).
    init(_ name: String, _ details: Term..., message: String) {
        self.name = name
        self.reason = details.isEmpty ? .atom(Atom(name)) : .tuple([.atom(Atom(name))] + details)
        self.message = message
    }

    public var description: String { "\(name): \(message)" }
}
