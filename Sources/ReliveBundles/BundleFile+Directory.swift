import Foundation
import Glibc
import ReliveSystem

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
        try BundleError.mappingSystemErrors { try listFiles(inDirectory: directory) }
    }

    private static func listFiles(inDirectory directory: String) throws -> [BundleFile] {
        let info = try FileSystem.status(directory)
        guard FileSystem.isDirectory(info) else { throw BundleError.invalidInput(directory, "not a directory") }
        guard let enumerator = FileManager.default.enumerator(atPath: directory) else {
            throw BundleError(.io, entry: directory, "cannot list the directory")
        }
        var result: [BundleFile] = []
        while let relative = enumerator.nextObject() as? String {
            let source = "\(directory)/\(relative)"
            guard let linkInfo = try FileSystem.linkStatus(source) else {
                throw BundleError(.io, entry: source, "disappeared while the directory was listed")
            }
            if FileSystem.isDirectory(linkInfo) { continue }
            let targetInfo = try FileSystem.status(source)
            guard FileSystem.isRegularFile(targetInfo) else {
                throw BundleError.invalidInput(source, "neither a regular file nor a directory (links to directories, devices, FIFOs and sockets cannot go into a bundle)")
            }
            result.append(BundleFile(source: source, path: relative))
        }
        return result.sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
    }
}
