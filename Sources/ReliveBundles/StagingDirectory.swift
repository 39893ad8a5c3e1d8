import Glibc
import ReliveSystem

/// A fresh private directory that receives a bundle's content while it is
/// read, written only through `openat` with `O_NOFOLLOW` and files created
/// with `O_EXCL`, so no name in the archive can make a write land elsewhere
/// (the names are validated before they get here; this is the second wall).
///
/// It does not remove itself: the unpacker owns its lifetime.
final class StagingDirectory: BundleContentSink {
    let path: String
    let root: OpenFile
    /// The most recently used directory: files arrive sorted, so consecutive
    /// files nearly always share it (and one cached descriptor cannot exhaust
    /// the process's descriptor table).
    private var cachedDirectory: (path: String, handle: OpenFile)?
    private var currentFile: OpenFile?

    /// Creates `<parent>/.relive-unpack-XXXXXX` (mode 0700).
    init(in parent: String) throws {
        path = try FileSystem.makeTemporaryDirectory(in: parent, prefix: ".relive-unpack-")
        do {
            root = try OpenFile.openDirectory(path)
        } catch {
            FileSystem.removeTree(path)
            throw error
        }
    }

    func makeDirectory(_ relativePath: String) throws {
        _ = try directory(relativePath)
    }

    func beginFile(_ entry: BundleManifestEntry) throws {
        let components = entry.path.split(separator: "/").map(String.init)
        guard let name = components.last else {
            throw BundleError.refused(entry.path, "empty path")
        }
        let parent = try directory(components.dropLast().joined(separator: "/"))
        let file = try parent.openAt(
            name, flags: O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode: 0o600, displayPath: "\(path)/\(entry.path)"
        )
        // Exact mode regardless of the umask.
        try file.setPermissions(entry.permissions)
        currentFile = file
    }

    func writeFileData(_ chunk: UnsafeRawBufferPointer) throws {
        guard let currentFile else { throw BundleError(.io, entry: path, "data without an open file") }
        try currentFile.writeAll(chunk)
    }

    func endFile() throws {
        currentFile = nil
    }

    /// Writes a small file in one go (the install record of the manifest).
    func writeFile(_ relativePath: String, bytes: [UInt8]) throws {
        try beginFile(BundleManifestEntry(path: relativePath, size: Int64(bytes.count), sha256: "", isExecutable: false))
        try bytes.withUnsafeBytes { try writeFileData($0) }
        try endFile()
    }

    /// Flushes everything written so far (the whole file system, in one call
    /// rather than one fsync per file).
    func synchronize() throws {
        try root.syncFileSystem()
    }

    /// Opens (creating as needed) a directory under the staging root, one
    /// component at a time without following links.
    private func directory(_ relativePath: String) throws -> OpenFile {
        if relativePath.isEmpty { return root }
        if let cachedDirectory, cachedDirectory.path == relativePath { return cachedDirectory.handle }
        // One component at a time, O_NOFOLLOW, created with an exact 0755.
        let handle = try root.openDirectoryAt(relativePath, creating: 0o755)
        cachedDirectory = (relativePath, handle)
        return handle
    }
}
