import Glibc

/// The system layer's one way to make a call: consults ``SystemFaults``,
/// retries `EINTR`, and turns a failure into a ``SystemError`` naming the
/// operation and path.
/// - Parameters:
///   - operation: the call's C name, as faults and errors name it.
///   - path: what the call is about, for the error.
///   - call: the call; returns -1 (or a negative value) and sets `errno` on failure.
@inline(__always)
func syscall<Result: BinaryInteger>(_ operation: String, path: String?, _ call: () -> Result) throws(SystemError) -> Result {
    if let code = SystemFaults.injected(operation, path: path) {
        throw SystemError(operation: operation, path: path, errno: code)
    }
    while true {
        let result = call()
        if result >= 0 { return result }
        let code = errno
        if code != EINTR { throw SystemError(operation: operation, path: path, errno: code) }
    }
}
