import CReliveSystem
import Glibc

/// An owned POSIX file descriptor, closed when the object goes away.
///
/// Every call goes through the layer's one syscall wrapper, so each failure
/// is a ``SystemError`` naming the operation and the path given at opening,
/// and tests can make any of them fail (``SystemFaults``).
public final class OpenFile: Sendable {
    /// The descriptor.
    public let rawValue: Int32
    /// The path named in errors.
    public let path: String

    private init(rawValue: Int32, path: String) {
        self.rawValue = rawValue
        self.path = path
    }

    deinit { close(rawValue) }

    /// `open(2)` with `O_CLOEXEC` added.
    /// - Throws: ``SystemError`` (`open`).
    public static func open(_ path: String, flags: Int32, mode: mode_t = 0) throws(SystemError) -> OpenFile {
        let fd = try syscall("open", path: path) { Glibc.open(path, flags | O_CLOEXEC, mode) }
        return OpenFile(rawValue: fd, path: path)
    }

    /// Opens a directory without following a symbolic link at its last component.
    /// - Throws: ``SystemError`` (`open`; `ELOOP` for a link, `ENOTDIR`).
    public static func openDirectory(_ path: String) throws(SystemError) -> OpenFile {
        try open(path, flags: O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
    }

    /// `openat(2)` of `name` relative to this directory, with `O_CLOEXEC` added.
    /// - Parameter displayPath: the path to name in errors (default `<path>/<name>`).
    /// - Throws: ``SystemError`` (`open`).
    public func openAt(_ name: String, flags: Int32, mode: mode_t = 0, displayPath: String? = nil) throws(SystemError) -> OpenFile {
        let shown = displayPath ?? "\(path)/\(name)"
        let fd = try syscall("open", path: shown) { Glibc.openat(rawValue, name, flags | O_CLOEXEC, mode) }
        return OpenFile(rawValue: fd, path: shown)
    }

    /// Opens the directory `relativePath` under this one, one component at a
    /// time with `O_NOFOLLOW`: no symbolic link anywhere on the way is followed.
    /// - Parameter creating: create missing components with mode `0o755`
    ///   (exactly, whatever the umask) — or this mode.
    /// - Throws: ``SystemError`` (`open`: `ELOOP` where a component is a link).
    public func openDirectoryAt(_ relativePath: String, creating mode: mode_t? = nil) throws(SystemError) -> OpenFile {
        var handle = self
        for component in relativePath.split(separator: "/").map(String.init) {
            let shown = "\(handle.path)/\(component)"
            var created = false
            if let mode { created = try handle.makeDirectory(component, mode: mode) }
            handle = try handle.openAt(component, flags: O_RDONLY | O_DIRECTORY | O_NOFOLLOW, displayPath: shown)
            if created, let mode { try handle.setPermissions(mode) }
        }
        return handle
    }

    /// `mkdirat(2)`: creates `name` in this directory.
    /// - Returns: true when created, false when it already existed.
    /// - Throws: ``SystemError`` (`mkdir`).
    @discardableResult
    public func makeDirectory(_ name: String, mode: mode_t) throws(SystemError) -> Bool {
        do throws(SystemError) {
            _ = try syscall("mkdir", path: "\(path)/\(name)") { mkdirat(rawValue, name, mode) }
            return true
        } catch {
            guard error.errno == EEXIST else { throw error }
            return false
        }
    }

    /// `fstatat(2)` of `name` in this directory, not following a link; nil
    /// when it does not exist.
    /// - Throws: ``SystemError`` (`lstat`) for any failure but `ENOENT`.
    public func linkStatus(of name: String) throws(SystemError) -> stat? {
        var info = stat()
        do throws(SystemError) {
            _ = try syscall("lstat", path: "\(path)/\(name)") { fstatat(rawValue, name, &info, AT_SYMLINK_NOFOLLOW) }
            return info
        } catch {
            guard error.errno == ENOENT else { throw error }
            return nil
        }
    }

    /// Reads up to `buffer.count` bytes.
    /// - Returns: the number read, 0 at end of file.
    /// - Throws: ``SystemError`` (`read`).
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(SystemError) -> Int {
        try syscall("read", path: path) { Glibc.read(rawValue, buffer.baseAddress, buffer.count) }
    }

    /// `pread(2)`: reads up to `buffer.count` bytes at `offset`, leaving the
    /// file offset where it was.
    /// - Returns: the number read, 0 at end of file.
    /// - Throws: ``SystemError`` (`read`).
    public func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws(SystemError) -> Int {
        try syscall("read", path: path) { pread(rawValue, buffer.baseAddress, buffer.count, off_t(offset)) }
    }

    /// Writes all of `buffer` (short writes continued).
    /// - Throws: ``SystemError`` (`write`).
    public func writeAll(_ buffer: UnsafeRawBufferPointer) throws(SystemError) {
        var offset = 0
        while offset < buffer.count {
            offset += try syscall("write", path: path) {
                Glibc.write(rawValue, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
            }
        }
    }

    /// Writes all of `bytes`.
    /// - Throws: ``SystemError`` (`write`).
    public func writeAll(_ bytes: [UInt8]) throws(SystemError) {
        let outcome = bytes.withUnsafeBytes { raw in Result { () throws(SystemError) in try writeAll(raw) } }
        try outcome.get()
    }

    /// `fchmod(2)`: sets the exact mode, whatever the umask was at creation.
    /// - Throws: ``SystemError`` (`fchmod`).
    public func setPermissions(_ mode: mode_t) throws(SystemError) {
        _ = try syscall("fchmod", path: path) { fchmod(rawValue, mode) }
    }

    /// `fsync(2)`: flushes this file (or directory) to stable storage.
    /// - Throws: ``SystemError`` (`fsync`).
    public func sync() throws(SystemError) {
        _ = try syscall("fsync", path: path) { fsync(rawValue) }
    }

    /// `syncfs(2)`: flushes the whole file system holding this file — one
    /// call instead of an fsync per file.
    /// - Throws: ``SystemError`` (`syncfs`).
    public func syncFileSystem() throws(SystemError) {
        _ = try syscall("syncfs", path: path) { relive_system_syncfs(rawValue) }
    }

    /// `fstat(2)`.
    /// - Throws: ``SystemError`` (`fstat`).
    public func status() throws(SystemError) -> stat {
        var info = stat()
        _ = try syscall("fstat", path: path) { fstat(rawValue, &info) }
        return info
    }

    /// `renameat(2)`: moves `name` in `directory` to `newName` in `newDirectory`,
    /// replacing what is there — names only, relative to opened
    /// directories, so no link on the way to either is followed.
    /// - Throws: ``SystemError`` (`rename`).
    public static func rename(
        _ name: String, in directory: OpenFile, to newName: String, in newDirectory: OpenFile
    ) throws(SystemError) {
        _ = try syscall("rename", path: "\(directory.path)/\(name) -> \(newDirectory.path)/\(newName)") {
            renameat(directory.rawValue, name, newDirectory.rawValue, newName)
        }
    }

    /// `renameat2(2)` with `RENAME_NOREPLACE`: as ``rename(_:in:to:in:)``, but
    /// fails with `EEXIST` rather than replace anything.
    /// - Throws: ``SystemError`` (`rename`).
    public static func renameNoReplace(
        _ name: String, in directory: OpenFile, to newName: String, in newDirectory: OpenFile
    ) throws(SystemError) {
        _ = try syscall("rename", path: "\(directory.path)/\(name) -> \(newDirectory.path)/\(newName)") {
            relive_system_rename_noreplace(directory.rawValue, name, newDirectory.rawValue, newName)
        }
    }
}
