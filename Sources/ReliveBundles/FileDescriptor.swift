import Glibc

/// An owned POSIX file descriptor, closed on deinit.
///
/// Errors are ``BundleError``s of kind `.io` that name the path given at
/// opening, so every failure says which file it was about.
final class FileDescriptor {
    let rawValue: Int32
    /// The path used in error messages.
    let path: String

    private init(rawValue: Int32, path: String) {
        self.rawValue = rawValue
        self.path = path
    }

    deinit {
        close(rawValue)
    }

    /// `open(2)` with `O_CLOEXEC` added.
    static func open(_ path: String, flags: Int32, mode: mode_t = 0) throws -> FileDescriptor {
        let fd = Glibc.open(path, flags | O_CLOEXEC, mode)
        guard fd >= 0 else { throw SystemError.io("open", path) }
        return FileDescriptor(rawValue: fd, path: path)
    }

    /// `openat(2)` relative to this directory, with `O_CLOEXEC` added.
    /// - Parameter displayPath: the path to name in errors.
    func openAt(_ name: String, flags: Int32, mode: mode_t = 0, displayPath: String) throws -> FileDescriptor {
        let fd = Glibc.openat(rawValue, name, flags | O_CLOEXEC, mode)
        guard fd >= 0 else { throw SystemError.io("open", displayPath) }
        return FileDescriptor(rawValue: fd, path: displayPath)
    }

    /// Reads up to `buffer.count` bytes, retrying on EINTR.
    /// - Returns: the number read, 0 at end of file.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while true {
            let count = Glibc.read(rawValue, buffer.baseAddress, buffer.count)
            if count >= 0 { return count }
            if errno != EINTR { throw SystemError.io("read", path) }
        }
    }

    /// Writes all of `buffer`, retrying on EINTR and short writes.
    func writeAll(_ buffer: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < buffer.count {
            let count = Glibc.write(rawValue, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
            if count < 0 {
                if errno == EINTR { continue }
                throw SystemError.io("write", path)
            }
            offset += count
        }
    }

    /// Writes all of `bytes`.
    func writeAll(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try writeAll($0) }
    }

    /// Flushes the file (or directory) to stable storage.
    func sync() throws {
        guard fsync(rawValue) == 0 else { throw SystemError.io("fsync", path) }
    }

    /// `fstat(2)`.
    func status() throws -> stat {
        var info = stat()
        guard fstat(rawValue, &info) == 0 else { throw SystemError.io("stat", path) }
        return info
    }
}
