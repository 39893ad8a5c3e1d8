import Glibc
import Synchronization

/// Whole-file writes that are either fully there or not at all.
///
/// A reader (or a node booting after a crash at any instant) sees the old
/// content or the new one, never a mix: the bytes go to a temporary file in
/// the same directory, which is flushed, renamed over the target, and the
/// directory flushed so that the rename itself is durable.
public enum AtomicFile {
    /// Writes `bytes` to `path` atomically and durably.
    /// - Parameters:
    ///   - permissions: the mode of the new file.
    /// - Throws: ``SystemError``; the old file (if any) is then untouched and
    ///   no temporary file is left behind.
    public static func write(_ bytes: [UInt8], to path: String, permissions: UInt32 = 0o644) throws(SystemError) {
        let directory = parentDirectory(of: path)
        let name = lastComponent(of: path)
        let temporary = directory + "/." + name + ".tmp-\(getpid())-\(nextSerial())"
        let fd = try syscall("open", path: temporary) {
            open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode_t(permissions))
        }
        do {
            defer { close(fd) }
            try writeAll(fd, bytes, path: temporary)
            // open's mode is filtered by the umask; the caller asked for this one.
            _ = try syscall("fchmod", path: temporary) { fchmod(fd, mode_t(permissions)) }
            _ = try syscall("fsync", path: temporary) { fsync(fd) }
        } catch {
            unlink(temporary)
            throw error
        }
        do {
            _ = try syscall("rename", path: "\(temporary) -> \(path)") { rename(temporary, path) }
        } catch {
            unlink(temporary)
            throw error
        }
        try syncDirectory(directory)
    }

    /// Writes `text` as UTF-8; see ``write(_:to:permissions:)-([UInt8],_,_)``.
    public static func write(_ text: String, to path: String, permissions: UInt32 = 0o644) throws(SystemError) {
        try write(Array(text.utf8), to: path, permissions: permissions)
    }

    /// Reads a whole regular file of at most `limit` bytes, without following
    /// a symbolic link at its last component and without blocking on a FIFO.
    /// - Throws: ``SystemError``: `EFBIG` when the file is larger than
    ///   `limit`, `EINVAL` when it is not a regular file.
    public static func read(_ path: String, limit: Int) throws(SystemError) -> [UInt8] {
        let fd = try syscall("open", path: path) { open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK) }
        defer { close(fd) }
        var info = stat()
        _ = try syscall("fstat", path: path) { fstat(fd, &info) }
        guard info.st_mode & S_IFMT == S_IFREG else { throw SystemError(operation: "read", path: path, errno: EINVAL) }
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            // withUnsafeMutableBytes only rethrows untyped errors: carry the result out.
            let outcome = buffer.withUnsafeMutableBytes { raw in
                Result { () throws(SystemError) in try syscall("read", path: path) { Glibc.read(fd, raw.baseAddress, raw.count) } }
            }
            let count = try outcome.get()
            if count == 0 { return result }
            guard result.count + count <= limit else { throw SystemError(operation: "read", path: path, errno: EFBIG) }
            result.append(contentsOf: buffer[..<count])
        }
    }

    /// Flushes a directory, so that names created or renamed in it are durable.
    /// - Throws: ``SystemError``.
    public static func syncDirectory(_ directory: String) throws(SystemError) {
        let fd = try syscall("open", path: directory) { open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        defer { close(fd) }
        _ = try syscall("fsync", path: directory) { fsync(fd) }
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws(SystemError) {
        let outcome = bytes.withUnsafeBytes { raw in
            Result { () throws(SystemError) in
                var offset = 0
                while offset < raw.count {
                    let count = try syscall("write", path: path) {
                        Glibc.write(fd, raw.baseAddress.map { $0 + offset }, raw.count - offset)
                    }
                    offset += count
                }
            }
        }
        try outcome.get()
    }

    static func parentDirectory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    static func lastComponent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    private static let serial = Mutex<UInt64>(0)
    private static func nextSerial() -> UInt64 { serial.withLock { $0 += 1; return $0 } }
}
