import Crypto
import Glibc
import ReliveSystem

/// What bundles add to the system layer's file helpers: bounded reads with
/// bundle errors, and hashing.
extension FileSystem {
    /// Size of the buffers used to stream file contents.
    static let bufferSize = 256 * 1024

    /// Reads a whole small file.
    /// - Throws: ``BundleError`` (I/O) when unreadable, (invalid input) when
    ///   larger than `limit` bytes.
    static func readSmallFile(at path: String, limit: Int) throws -> [UInt8] {
        // O_NONBLOCK: a FIFO given as a key file must not hang the caller.
        try readSmall(OpenFile.open(path, flags: O_RDONLY | O_NONBLOCK), limit: limit)
    }

    /// Reads what is left of `file`, at most `limit` bytes.
    /// - Throws: ``BundleError`` (invalid input) when larger; ``SystemError``.
    static func readSmall(_ file: OpenFile, limit: Int) throws -> [UInt8] {
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = try buffer.withUnsafeMutableBytes { try file.read(into: $0) }
            if count == 0 { return result }
            result.append(contentsOf: buffer[..<count])
            if result.count > limit {
                throw BundleError.invalidInput(file.path, "larger than \(limit) bytes")
            }
        }
    }

    /// SHA-256 (hex) and size of a file's content.
    /// - Parameter flags: extra `open` flags (`O_NOFOLLOW | O_NONBLOCK` for
    ///   files found in an install root, which the caller does not control).
    static func hashFile(at path: String, flags: Int32 = 0) throws -> (sha256: String, size: Int64) {
        let file = try OpenFile.open(path, flags: O_RDONLY | flags)
        guard isRegularFile(try file.status()) else { throw BundleError.invalidInput(path, "not a regular file") }
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
}
