import Glibc

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

    /// The C library's text for ``errno``.
    public var message: String {
        guard let text = strerror(errno) else { return "unknown error" }
        return String(cString: text)
    }

    public var description: String {
        "\(operation)\(path.map { " \($0)" } ?? ""): \(message) (errno \(errno))"
    }
}
