import Glibc
import SystemPackage

/// A failed system call: what was done, on what, and the `errno` it set.
///
/// Every error of the system layer is one of these, so a user always learns
/// the operation, the path and the C library's reason.
public struct SystemError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The call that failed, as its C name (`open`, `fsync`, `rename`, …).
    public let operation: String
    /// The path concerned (for `rename`, `from -> to`), if any.
    public let path: String?
    /// The `errno` value.
    public let errno: Int32

    public init(operation: String, path: String?, errno: Int32) {
        self.operation = operation
        self.path = path
        self.errno = errno
    }

    /// The `errno` as swift-system's `Errno`.
    public var code: Errno { Errno(rawValue: errno) }

    /// The C library's text for ``errno``.
    public var message: String { code.description }

    public var description: String {
        "\(operation)\(path.map { " \($0)" } ?? ""): \(message) (errno \(errno))"
    }
}
