/// Why a release handler operation was refused or failed, as data: an
/// OTP-style kind (`no_such_release`, `permanent`, ...) and a message naming
/// the release, file or instruction. The node is unchanged after any of them.
public struct ReleaseHandlerError: Error, Sendable, Equatable, CustomStringConvertible {
    public let kind: String
    public let message: String

    public init(_ kind: String, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { "\(kind): \(message)" }
}
