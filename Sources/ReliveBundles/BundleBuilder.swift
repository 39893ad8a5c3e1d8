import Crypto
import Foundation
import Glibc
import ReliveSystem

/// Builds a release bundle: a deterministic tar (gzip by default) holding a
/// manifest, an optional Ed25519 signature of it, and the release's files.
///
/// The same inputs (file contents, paths, executable bits, release name and
/// version, modification time, compression, key) always give the same bytes:
/// entries are sorted by path, every entry has the same mtime, uid/gid 0, no
/// user or group names, mode 0644/0755, and gzip carries no timestamp.
///
/// Archive order: `MANIFEST`, `MANIFEST.sig` (when signing), then all
/// directories and files sorted by path in byte order (a directory sorts
/// before its contents).
public struct BundleBuilder {
    public var releaseName: String
    public var releaseVersion: String
    public var files: [BundleFile]
    /// The mtime of every entry, seconds since the epoch.
    public var modificationTime: Int64
    public var compression: BundleCompression
    /// The compressor's level (gzip 1–9, zstd 1–19); nil for its default.
    public var compressionLevel: Int?
    /// Signs the manifest when set.
    public var signingKey: Curve25519.Signing.PrivateKey?

    /// - Parameter modificationTime: nil takes ``defaultModificationTime(environment:)``'s
    ///   rule at build time (SOURCE_DATE_EPOCH, else 0).
    public init(
        releaseName: String,
        releaseVersion: String,
        files: [BundleFile],
        modificationTime: Int64 = 0,
        compression: BundleCompression = .gzip,
        compressionLevel: Int? = nil,
        signingKey: Curve25519.Signing.PrivateKey? = nil
    ) {
        self.releaseName = releaseName
        self.releaseVersion = releaseVersion
        self.files = files
        self.modificationTime = modificationTime
        self.compression = compression
        self.compressionLevel = compressionLevel
        self.signingKey = signingKey
    }

    /// The reproducible-builds rule: `SOURCE_DATE_EPOCH` when set, else 0.
    /// - Throws: ``BundleError`` (invalid input) when the variable is set but
    ///   not a non-negative decimal number of seconds.
    public static func defaultModificationTime(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Int64 {
        guard let text = environment["SOURCE_DATE_EPOCH"] else { return 0 }
        guard let seconds = Int64(text), seconds >= 0, seconds <= 0o77777777777 else {
            throw BundleError.invalidInput("SOURCE_DATE_EPOCH", "'\(text)' is not a non-negative number of seconds (up to 8^11-1)")
        }
        return seconds
    }

    /// Writes the bundle to `outputPath`.
    ///
    /// The bundle is written to a temporary file beside `outputPath` and
    /// renamed over it only when complete, so a failure never leaves a
    /// partial bundle (and never damages an existing file at that path).
    /// - Returns: the manifest written into the bundle.
    /// - Throws: ``BundleError``: invalid input for bad names, paths or
    ///   sources (naming which); I/O for read/write failures, including a
    ///   source that changed while the bundle was written.
    @discardableResult
    public func build(to outputPath: String) throws -> BundleManifest {
        try BundleError.mappingSystemErrors { try buildChecked(to: outputPath) }
    }

    private func buildChecked(to outputPath: String) throws -> BundleManifest {
        guard modificationTime >= 0, modificationTime <= 0o77777777777 else {
            throw BundleError.invalidInput(nil, "modification time \(modificationTime) is outside 0...8^11-1 (what ustar headers hold)")
        }
        let manifest = try makeManifest()
        let manifestBytes = manifest.render()
        var signatureBytes: [UInt8]?
        if let signingKey {
            // Ed25519 over the manifest's exact bytes; BoringSSL's Ed25519 is
            // deterministic (RFC 8032), so signed bundles stay reproducible.
            do {
                let signature = try signingKey.signature(for: manifestBytes)
                signatureBytes = Array((signature.base64EncodedString() + "\n").utf8)
            } catch {
                throw BundleError(.io, entry: BundleManifest.signaturePath, "signing the manifest failed: \(error)")
            }
        }

        let directory = FileSystem.parentDirectory(of: outputPath)
        let temporaryPath = try FileSystem.makeTemporaryFile(in: directory, prefix: ".relive-bundle-")
        var renamed = false
        defer { if !renamed { unlink(temporaryPath) } }
        let output = try OpenFile.open(temporaryPath, flags: O_WRONLY | O_TRUNC | O_NOFOLLOW)
        // mkstemp makes 0600; a bundle is meant to be shared.
        try output.setPermissions(0o644)
        do {
            let writer = try ArchiveWriter(fileDescriptor: output.rawValue, compression: compression, compressionLevel: compressionLevel)
            try writeSmallFile(writer, path: BundleManifest.path, bytes: manifestBytes)
            if let signatureBytes {
                try writeSmallFile(writer, path: BundleManifest.signaturePath, bytes: signatureBytes)
            }
            try writeTree(writer, manifest: manifest)
            try writer.close()
        } catch let error as ArchiveError {
            throw BundleError(.io, entry: outputPath, "writing the archive failed: \(error)")
        }
        try output.sync()
        try FileSystem.rename(temporaryPath, to: outputPath)
        renamed = true
        return manifest
    }

    /// Checks the inputs and hashes every source.
    private func makeManifest() throws -> BundleManifest {
        try BundlePath.validateName(releaseName, what: "release name", kind: .invalidInput)
        try BundlePath.validateName(releaseVersion, what: "release version", kind: .invalidInput)
        var entries: [BundleManifestEntry] = []
        entries.reserveCapacity(files.count)
        for file in files {
            let path = try BundlePath.validate(Array(file.path.utf8), isDirectory: false, kind: .invalidInput)
            let info = try FileSystem.status(file.source)
            guard FileSystem.isRegularFile(info) else {
                throw BundleError.invalidInput(file.source, "not a regular file (for bundle path \(path))")
            }
            let (digest, size) = try FileSystem.hashFile(at: file.source)
            let executable = file.isExecutable ?? (info.st_mode & 0o111 != 0)
            entries.append(BundleManifestEntry(path: path, size: size, sha256: digest, isExecutable: executable))
        }
        return try BundleManifest(releaseName: releaseName, releaseVersion: releaseVersion, entries: entries, kind: .invalidInput)
    }

    private func writeSmallFile(_ writer: ArchiveWriter, path: String, bytes: [UInt8]) throws {
        try writer.writeHeader(ArchiveEntryHeader(
            path: path, kind: .regularFile, size: Int64(bytes.count), permissions: 0o644, modificationTime: modificationTime
        ))
        try bytes.withUnsafeBytes { try writer.writeData($0) }
    }

    /// Writes directories and files in one byte-ordered sequence.
    private func writeTree(_ writer: ArchiveWriter, manifest: BundleManifest) throws {
        let sources = Dictionary(files.map { ($0.path, $0.source) }, uniquingKeysWith: { first, _ in first })
        var items: [(path: String, entry: BundleManifestEntry?)] = manifest.directories.map { ($0, nil) }
        items += manifest.entries.map { ($0.path, $0) }
        items.sort { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }

        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: FileSystem.bufferSize, alignment: 16)
        defer { buffer.deallocate() }
        for item in items {
            guard let entry = item.entry else {
                try writer.writeHeader(ArchiveEntryHeader(
                    path: item.path, kind: .directory, size: 0, permissions: 0o755, modificationTime: modificationTime
                ))
                continue
            }
            guard let source = sources[entry.path] else {
                throw BundleError.invalidInput(entry.path, "no source file")
            }
            try writer.writeHeader(ArchiveEntryHeader(
                path: entry.path, kind: .regularFile, size: entry.size, permissions: entry.permissions,
                modificationTime: modificationTime
            ))
            // Hash again while copying: the manifest must describe the bytes
            // actually written, even if a source changes under us.
            let input = try OpenFile.open(source, flags: O_RDONLY)
            var hasher = SHA256()
            var written: Int64 = 0
            while true {
                let count = try input.read(into: buffer)
                if count == 0 { break }
                written += Int64(count)
                guard written <= entry.size else { break }
                let chunk = UnsafeRawBufferPointer(rebasing: buffer[..<count])
                hasher.update(bufferPointer: chunk)
                try writer.writeData(chunk)
            }
            guard written == entry.size, hasher.finalize().hexString == entry.sha256 else {
                throw BundleError(.io, entry: source, "changed while the bundle was being written")
            }
        }
    }
}
