import ReliveSystem

extension BundleError {
    /// An I/O error from a failed system call, naming the call, the path and errno.
    init(_ error: SystemError) {
        self.init(.io, entry: error.path, "\(error.operation) failed: \(error.message) (errno \(error.errno))")
    }

    /// Runs `body`, turning the system layer's ``SystemError`` into an I/O
    /// ``BundleError`` (every public entry point of this module goes through it,
    /// so callers see one error type).
    static func mappingSystemErrors<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as SystemError { throw BundleError(error) }
    }
}
