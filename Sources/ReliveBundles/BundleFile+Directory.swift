import Foundation
import Glibc

extension BundleFile {
    /// Lists every regular file under `directory` as a bundle file at the
    /// same relative path — for a release staged on disk in bundle layout
    /// (`lib/…`, `releases/…`).
    ///
    /// Symbolic links to regular files are followed (their target's content
    /// goes in); links to directories are not descended into and are refused,
    /// as is any other non-regular file, so nothing is left out silently.
    /// - Throws: ``BundleError``: I/O when the directory cannot be read,
    ///   invalid input naming the first file that cannot go into a bundle.
    public static func files(inDirectory directory: String) throws -> [BundleFile] {
        var info = stat()
        guard stat(directory, &info) == 0 else { throw SystemError.io("stat", directory) }
        guard FileSystem.isDirectory(info) else { throw BundleError.invalidInput(directory, "not a directory") }
        guard let enumerator = FileManager.default.enumerator(atPath: directory) else {
            throw BundleError(.io, entry: directory, "cannot list the directory")
        }
        var result: [BundleFile] = []
        while let relative = enumerator.nextObject() as? String {
            let source = "\(directory)/\(relative)"
            var linkInfo = stat()
            guard lstat(source, &linkInfo) == 0 else { throw SystemError.io("lstat", source) }
            if FileSystem.isDirectory(linkInfo) { continue }
            var targetInfo = stat()
            guard stat(source, &targetInfo) == 0 else { throw SystemError.io("stat", source) }
            guard FileSystem.isRegularFile(targetInfo) else {
                throw BundleError.invalidInput(source, "neither a regular file nor a directory (links to directories, devices, FIFOs and sockets cannot go into a bundle)")
            }
            result.append(BundleFile(source: source, path: relative))
        }
        return result.sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
    }
}
