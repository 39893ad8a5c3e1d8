import Crypto
import Glibc
import ReliveSystem

/// A plugin file opened once and checked on that descriptor, so what is
/// loaded is exactly what was checked (no second lookup by name, no loader
/// search path, no swap between check and `dlopen`).
struct PluginFile {
    /// The file's path with its folder resolved (links in the folder part
    /// resolved; the file itself is never a link).
    let path: String
    /// The open file; `dlopen` reaches it as `/proc/self/fd/N`.
    let file: OpenFile

    /// Opens `given`: its folder resolved with `realpath`, the file opened
    /// with `O_NOFOLLOW` relative to the opened folder.
    ///
    /// Refuses a symbolic link, anything but a regular file, a file or folder
    /// writable by group or others, a file or folder owned by someone other
    /// than root or this process's user, and a file that is not an ELF shared
    /// object (checked on the descriptor).
    /// - Throws: ``CodeServerError``.
    init(opening given: String) throws(CodeServerError) {
        let folder = FileSystem.parentDirectory(of: given)
        let name = FileSystem.lastComponent(of: given)
        guard let resolved = realpath(folder, nil) else { throw .missingFile(given) }
        let directory = String(cString: resolved)
        free(resolved)
        let shownPath = directory == "/" ? "/\(name)" : "\(directory)/\(name)"
        let folderFile: OpenFile
        do throws(SystemError) {
            folderFile = try OpenFile.openDirectory(directory)
            file = try folderFile.openAt(name, flags: O_RDONLY | O_NOFOLLOW | O_NONBLOCK, displayPath: shownPath)
        } catch {
            switch error.errno {
            case ENOENT: throw .missingFile(given)
            case ELOOP: throw .unsafeFile(shownPath, reason: "is a symbolic link; give the file itself")
            default: throw .unreadable(shownPath, error)
            }
        }
        path = shownPath
        let fileInfo: stat, folderInfo: stat
        do throws(SystemError) {
            fileInfo = try file.status()
            folderInfo = try folderFile.status()
        } catch {
            throw .unreadable(shownPath, error)
        }
        guard fileInfo.st_mode & S_IFMT == S_IFREG else { throw .unsafeFile(shownPath, reason: "is not a regular file") }
        try Self.checkOwnerAndMode(fileInfo, what: "the file", path: shownPath)
        try Self.checkOwnerAndMode(folderInfo, what: "its folder \(directory)", path: shownPath)
        guard Self.isELFSharedObject(file) else { throw .notAnELFSharedObject(shownPath) }
    }

    /// The path `dlopen` is given: this very descriptor.
    var descriptorPath: String { "/proc/self/fd/\(file.rawValue)" }

    /// SHA-256 (lowercase hex) of the file's content, read from the descriptor.
    /// - Throws: ``CodeServerError/unreadable(_:_:)``.
    func sha256() throws(CodeServerError) -> String {
        var hasher = SHA256()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 * 1024, alignment: 16)
        defer { buffer.deallocate() }
        var offset: Int64 = 0
        while true {
            let count: Int
            do { count = try file.read(into: buffer, at: offset) } catch { throw .unreadable(path, error) }
            if count == 0 { break }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[..<count]))
            offset += Int64(count)
        }
        return hasher.finalize().map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    private static func checkOwnerAndMode(_ info: stat, what: String, path: String) throws(CodeServerError) {
        guard info.st_mode & 0o022 == 0 else {
            throw .unsafeFile(path, reason: "\(what) is writable by group or others (mode \(String(info.st_mode & 0o777, radix: 8)))")
        }
        guard info.st_uid == 0 || info.st_uid == geteuid() else {
            throw .unsafeFile(path, reason: "\(what) is owned by uid \(info.st_uid), neither root nor this node's user (uid \(geteuid()))")
        }
    }

    /// True for an ELF file of type ET_DYN (read with `pread`: the offset
    /// stays where `dlopen` expects it).
    private static func isELFSharedObject(_ file: OpenFile) -> Bool {
        var bytes = [UInt8](repeating: 0, count: 18)
        let count = bytes.withUnsafeMutableBytes { raw in try? file.read(into: raw, at: 0) }
        guard count == 18 else { return false }
        guard bytes[0] == 0x7F, bytes[1] == 0x45, bytes[2] == 0x4C, bytes[3] == 0x46 else { return false }
        let littleEndian = bytes[5] == 1
        let type = littleEndian ? UInt16(bytes[16]) | UInt16(bytes[17]) << 8 : UInt16(bytes[17]) | UInt16(bytes[16]) << 8
        return type == 3   // ET_DYN
    }
}
