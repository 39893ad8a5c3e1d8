import Foundation
import Glibc
import SystemPackage

/// Path-level helpers of the system layer.
public enum FileSystem {
    /// `lstat(2)`, nil when the path does not exist.
    /// - Throws: ``SystemError`` (`lstat`) for any other failure.
    public static func linkStatus(_ path: String) throws(SystemError) -> stat? {
        var info = stat()
        do throws(SystemError) {
            _ = try syscall("lstat", path: path) { lstat(path, &info) }
            return info
        } catch {
            guard error.errno == ENOENT else { throw error }
            return nil
        }
    }

    /// `stat(2)` (following links).
    /// - Throws: ``SystemError`` (`stat`).
    public static func status(_ path: String) throws(SystemError) -> stat {
        var info = stat()
        _ = try syscall("stat", path: path) { stat(path, &info) }
        return info
    }

    /// Whether a `stat` describes a directory.
    public static func isDirectory(_ info: stat) -> Bool { info.st_mode & S_IFMT == S_IFDIR }
    /// Whether a `stat` describes a regular file.
    public static func isRegularFile(_ info: stat) -> Bool { info.st_mode & S_IFMT == S_IFREG }

    /// `mkdir(2)`.
    /// - Throws: ``SystemError`` (`mkdir`).
    public static func makeDirectory(_ path: String, mode: mode_t) throws(SystemError) {
        _ = try syscall("mkdir", path: path) { mkdir(path, mode) }
    }

    /// Creates a fresh directory `<parent>/<prefix>XXXXXX` (mode 0700).
    /// - Throws: ``SystemError`` (`mkdtemp`).
    public static func makeTemporaryDirectory(in parent: String, prefix: String) throws(SystemError) -> String {
        var template = Array("\(parent)/\(prefix)XXXXXX".utf8CString)
        _ = try syscall("mkdtemp", path: "\(parent)/\(prefix)XXXXXX") {
            template.withUnsafeMutableBufferPointer { buffer -> Int32 in
                guard let base = buffer.baseAddress else { return -1 }
                return mkdtemp(base) == nil ? -1 : 0
            }
        }
        return String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Creates a fresh empty file `<directory>/<prefix>XXXXXX` (mode 0600,
    /// created exclusively) and returns its path.
    /// - Throws: ``SystemError`` (`mkstemp`).
    public static func makeTemporaryFile(in directory: String, prefix: String) throws(SystemError) -> String {
        var template = Array("\(directory)/\(prefix)XXXXXX".utf8CString)
        let fd = try syscall("mkstemp", path: "\(directory)/\(prefix)XXXXXX") {
            template.withUnsafeMutableBufferPointer { buffer -> Int32 in
                guard let base = buffer.baseAddress else { return -1 }
                return mkstemp(base)
            }
        }
        close(fd)
        return String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `rename(2)`.
    /// - Throws: ``SystemError`` (`rename`, path `from -> to`).
    public static func rename(_ from: String, to: String) throws(SystemError) {
        _ = try syscall("rename", path: "\(from) -> \(to)") { Glibc.rename(from, to) }
    }

    /// Removes a tree without following symbolic links; errors are ignored
    /// because this only ever cleans up after another error or a success.
    public static func removeTree(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// The directory part of a path ("." when there is none).
    public static func parentDirectory(of path: String) -> String {
        let parent = FilePath(path).removingLastComponent().string
        return parent.isEmpty ? "." : parent
    }

    /// The last component of a path.
    public static func lastComponent(of path: String) -> String {
        FilePath(path).lastComponent?.string ?? ""
    }
}
