import Glibc

/// Builds ``BundleError``s from `errno`.
enum SystemError {
    /// An I/O error for `operation` on `path`, with the text of `errno`.
    static func io(_ operation: String, _ path: String, errno code: Int32 = errno) -> BundleError {
        BundleError(.io, entry: path, "\(operation) failed: \(message(code)) (errno \(code))")
    }

    /// The C library's text for an errno value.
    static func message(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "unknown error" }
        return String(cString: text)
    }
}
