// A shard's log: one line per acknowledged mutation, appended with write(2)
// before the reply is sent, so it survives a SIGKILL of the node (the kernel
// has the bytes); it is not fsynced, so a power loss may lose its tail.
//
// Format (the same in every version, so each can replay the others' logs):
//   P <key> <value> <expiry>   a put; expiry in unix seconds, 0 for none
//   D <key>                    a delete
// Keys and values are tokens without spaces. A line that does not parse
// (a torn last write, a damaged file) is skipped and counted, never trusted.
import Glibc

enum ShardLog {
    /// One mutation read back from a log.
    enum Record {
        case put(key: String, value: String, expiry: Int)
        case delete(key: String)
    }

    /// The log of shard `index` in `directory`.
    static func path(directory: String, index: Int) -> String { "\(directory)/shard-\(index).log" }

    /// Appends `line` (which ends in "\n") to the file at `path`, creating it.
    /// - Returns: nil when every byte was written, else the failure (errno text).
    static func append(_ line: String, to path: String) -> String? {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return "open \(path): \(String(cString: strerror(errno)))" }
        defer { close(fd) }
        let bytes = Array(line.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return write(fd, base + offset, raw.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                return "write \(path): \(String(cString: strerror(errno)))"
            }
            if written == 0 { return "write \(path): no progress" }
            offset += written
        }
        return nil
    }

    /// The put line for `key`.
    static func putLine(_ key: String, _ value: String, expiry: Int) -> String { "P \(key) \(value) \(expiry)\n" }
    /// The delete line for `key`.
    static func deleteLine(_ key: String) -> String { "D \(key)\n" }

    /// Every record of the log at `path`, in order (none when the file does
    /// not exist), and how many lines were skipped as unreadable.
    /// - Throws: `LogError` when the file exists but cannot be read.
    static func replay(_ path: String) throws -> (records: [Record], skipped: Int) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return ([], 0) }
            throw LogError(message: "open \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var data: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return read(fd, base, raw.count)
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw LogError(message: "read \(path): \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            data.append(contentsOf: chunk[0..<n])
        }
        var records: [Record] = []
        var skipped = 0
        var start = 0
        for i in data.indices where data[i] == 0x0A {
            if let record = parse(data[start..<i]) { records.append(record) } else { skipped += 1 }
            start = i + 1
        }
        if start < data.count { skipped += 1 } // a torn last line: its write never finished
        return (records, skipped)
    }

    private static func parse(_ line: ArraySlice<UInt8>) -> Record? {
        let fields = line.split(separator: 0x20, omittingEmptySubsequences: false)
        guard let tag = fields.first, tag.count == 1 else { return nil }
        func text(_ i: Int) -> String? { String(validating: fields[i], as: UTF8.self) }
        switch tag.first {
        case UInt8(ascii: "P"):
            guard fields.count == 4, let key = text(1), let value = text(2), !key.isEmpty,
                  let expiryText = text(3), let expiry = Int(expiryText), expiry >= 0 else { return nil }
            return .put(key: key, value: value, expiry: expiry)
        case UInt8(ascii: "D"):
            guard fields.count == 2, let key = text(1), !key.isEmpty else { return nil }
            return .delete(key: key)
        default:
            return nil
        }
    }

    /// Now, in unix seconds (expiries are absolute, so they survive restarts).
    static func now() -> Int { Int(time(nil)) }

    /// Creates `directory` if it does not exist.
    /// - Throws: `LogError` when it cannot be created.
    static func makeDirectory(_ directory: String) throws {
        if mkdir(directory, 0o755) != 0 && errno != EEXIST {
            throw LogError(message: "mkdir \(directory): \(String(cString: strerror(errno)))")
        }
    }
}

/// A log that cannot be read or a data directory that cannot be made.
struct LogError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
