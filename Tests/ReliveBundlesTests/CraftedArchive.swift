import Crypto
import Glibc
@testable import ReliveBundles
import ReliveSystem

/// Hand-made archives for the refusal tests, written with the same
/// libarchive writer the builder uses but with any entries at all.
struct CraftedArchive {
    struct Entry {
        var header: ArchiveEntryHeader
        var data: [UInt8] = []
        var sparseDataRegions: [(offset: Int64, length: Int64)] = []
    }

    var entries: [Entry] = []

    init(entries: [Entry] = []) {
        self.entries = entries
    }

    /// Reads every entry (header and data) of an existing archive, so a
    /// test can alter one thing in a valid bundle and write it back.
    init(reading path: String) throws {
        let input = try OpenFile.open(path, flags: O_RDONLY)
        let reader = try ArchiveReader(fileDescriptor: input.rawValue)
        var buffer = [UInt8](repeating: 0, count: 65536)
        while let header = try reader.nextHeader() {
            var data: [UInt8] = []
            while true {
                let count = try buffer.withUnsafeMutableBytes { try reader.readData(into: $0) }
                if count == 0 { break }
                data += buffer[..<count]
            }
            entries.append(Entry(header: header, data: data))
        }
    }

    /// The index of the entry at `path`, or nil.
    func index(of path: String) -> Int? {
        entries.firstIndex { $0.header.pathBytes == Array(path.utf8) }
    }

    /// A manifest entry listing `files` (path, content, executable) exactly
    /// as the builder would, without validating the paths.
    static func manifest(name: String = "demo", version: String = "1.0.0", files: [(String, [UInt8], Bool)]) -> Entry {
        var text = "relive-bundle-manifest 1\nrelease \(name) \(version)\n"
        for (path, bytes, executable) in files.sorted(by: { $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }) {
            text += "\(SHA256.hash(data: bytes).hexString)  \(bytes.count)  \(executable ? "0755" : "0644")  \(path)\n"
        }
        return file("MANIFEST", Array(text.utf8))
    }

    /// A manifest entry with the given raw text.
    static func manifest(text: String) -> Entry {
        file("MANIFEST", Array(text.utf8))
    }

    /// A regular file entry.
    static func file(_ path: String, _ bytes: [UInt8], mode: UInt32 = 0o644) -> Entry {
        Entry(header: ArchiveEntryHeader(path: path, kind: .regularFile, size: Int64(bytes.count), permissions: mode), data: bytes)
    }

    /// A directory entry.
    static func directory(_ path: String) -> Entry {
        Entry(header: ArchiveEntryHeader(path: path, kind: .directory, size: 0, permissions: 0o755))
    }

    /// Writes the archive to `path`.
    func write(to path: String, compression: BundleCompression = .gzip) throws {
        let output = try OpenFile.open(path, flags: O_WRONLY | O_CREAT | O_TRUNC, mode: 0o644)
        let writer = try ArchiveWriter(fileDescriptor: output.rawValue, compression: compression)
        for entry in entries {
            try writer.writeHeader(entry.header, sparseDataRegions: entry.sparseDataRegions)
            if !entry.data.isEmpty {
                try entry.data.withUnsafeBytes { try writer.writeData($0) }
            }
        }
        try writer.close()
    }
}
