import Crypto
import Foundation
import Glibc

/// The few file-system operations bundles need, with errors that name paths.
enum FileSystem {
    /// Size of the buffers used to stream file contents.
    static let bufferSize = 256 * 1024

    /// Reads a whole small file.
    /// - Throws: ``BundleError`` (I/O) when unreadable, (invalid input) when
    ///   larger than `limit` bytes.
    static func readSmallFile(at path: String, limit: Int) throws -> [UInt8] {
        // O_NONBLOCK: a FIFO given as a key file must not hang the caller.
        let file = try FileDescriptor.open(path, flags: O_RDONLY | O_NONBLOCK)
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = try buffer.withUnsafeMutableBytes { try file.read(into: $0) }
            if count == 0 { return result }
            result.append(contentsOf: buffer[..<count])
            if result.count > limit {
                throw BundleError.invalidInput(path, "larger than \(limit) bytes")
            }
        }
    }

    /// `lstat(2)`, nil when the path does not exist.
    /// - Throws: ``BundleError`` (I/O) for any other failure.
    static func linkStatus(_ path: String) throws -> stat? {
        var info = stat()
        if lstat(path, &info) == 0 { return info }
        if errno == ENOENT { return nil }
        throw SystemError.io("lstat", path)
    }

    /// Whether a `stat` describes a directory / regular file.
    static func isDirectory(_ info: stat) -> Bool { info.st_mode & S_IFMT == S_IFDIR }
    static func isRegularFile(_ info: stat) -> Bool { info.st_mode & S_IFMT == S_IFREG }

    /// SHA-256 (hex) and size of a file's content.
    static func hashFile(at path: String) throws -> (sha256: String, size: Int64) {
        let file = try FileDescriptor.open(path, flags: O_RDONLY)
        var hasher = SHA256()
        var size: Int64 = 0
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bufferSize, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = try file.read(into: buffer)
            if count == 0 { break }
            let chunk = UnsafeRawBufferPointer(rebasing: buffer[..<count])
            hasher.update(bufferPointer: chunk)
            size += Int64(count)
        }
        return (hasher.finalize().hexString, size)
    }

    /// Creates a fresh directory `<parent>/<prefix>XXXXXX` (mode 0700).
    static func makeTemporaryDirectory(in parent: String, prefix: String) throws -> String {
        var template = Array("\(parent)/\(prefix)XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { buffer -> Bool in
            guard let base = buffer.baseAddress else { return false }
            return mkdtemp(base) != nil
        }
        guard created else { throw SystemError.io("create temporary directory", "\(parent)/\(prefix)XXXXXX") }
        return String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Removes a tree without following symbolic links; errors are ignored
    /// because this only ever cleans up after another error or a success.
    static func removeTree(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// The directory part of a path ("." when there is none).
    static func parentDirectory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }

    /// Creates and returns a fresh empty file `<directory>/<prefix>XXXXXX`
    /// (mode 0600, created exclusively).
    static func makeTemporaryFile(in directory: String, prefix: String) throws -> String {
        var template = Array("\(directory)/\(prefix)XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { buffer -> Int32 in
            guard let base = buffer.baseAddress else { return -1 }
            return mkstemp(base)
        }
        guard fd >= 0 else { throw SystemError.io("create temporary file", "\(directory)/\(prefix)XXXXXX") }
        close(fd)
        return String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
