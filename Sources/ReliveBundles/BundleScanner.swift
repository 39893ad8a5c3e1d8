import Crypto
import Foundation
import Glibc
import ReliveSystem

/// Reads a bundle from start to end, checking everything, in one pass.
///
/// The checks, in order:
/// 1. the first entry is the regular file `MANIFEST` (at most
///    ``BundleLimits/maximumManifestBytes``), and it parses;
/// 2. the manifest's promises fit the limits (entry count, per-file and
///    total bytes) — a bomb is refused before any data is decompressed;
/// 3. an optional second entry `MANIFEST.sig` is checked under the
///    signature policy — a required signature is verified before any file
///    data reaches the sink;
/// 4. every further entry has a safe path (``BundlePath``), is a directory
///    some listed file needs or a regular file listed in the manifest, is not
///    a duplicate, not a link, device, FIFO or socket, has the manifest's
///    mode, size and SHA-256, and the bytes actually decompressed stay within
///    the limits;
/// 5. at the end, every listed file was present.
///
/// Any failure throws a ``BundleError`` naming the entry; libarchive
/// failures (corrupt, truncated) become refusals carrying libarchive's
/// message.
struct BundleScanner {
    var limits: BundleLimits
    var signaturePolicy: BundleSignaturePolicy

    /// Scans the bundle at `path`, feeding verified-so-far content to `sink`.
    /// - Returns: the bundle's contents (valid only because no error was thrown).
    func scan(bundleAt path: String, sink: BundleContentSink?) throws -> BundleContents {
        // O_NONBLOCK: opening a FIFO named as a bundle must not hang (and
        // changes nothing for a regular file).
        let file = try OpenFile.open(path, flags: O_RDONLY | O_NONBLOCK)
        guard FileSystem.isRegularFile(try file.status()) else {
            throw BundleError.invalidInput(path, "not a regular file")
        }
        var context = Context(limits: limits)
        do {
            let reader = try ArchiveReader(fileDescriptor: file.rawValue)
            return try scanEntries(reader, sink: sink, context: &context)
        } catch let error as ArchiveError {
            throw BundleError.refused(context.currentEntry ?? path, "corrupt or truncated archive: \(error.message)")
        }
    }

    /// Counts entries and bytes and remembers where the scan is.
    private struct Context {
        let limits: BundleLimits
        var entryCount = 0
        var totalBytes: Int64 = 0
        var currentEntry: String?

        mutating func next(_ reader: ArchiveReader) throws -> ArchiveEntryHeader? {
            guard let header = try reader.nextHeader() else { return nil }
            entryCount += 1
            currentEntry = header.displayPath
            guard entryCount <= limits.maximumEntryCount else {
                throw BundleError.refused(header.displayPath, "more than \(limits.maximumEntryCount) entries (limit)")
            }
            return header
        }
    }

    private func scanEntries(_ reader: ArchiveReader, sink: BundleContentSink?, context: inout Context) throws -> BundleContents {
        guard let first = try context.next(reader) else {
            throw BundleError.refused(nil, "empty archive (no \(BundleManifest.path))")
        }
        guard first.pathBytes == Array(BundleManifest.path.utf8) else {
            throw BundleError.refused(first.displayPath, "the first entry must be \(BundleManifest.path)")
        }
        let manifestBytes = try readMetadataFile(reader, first, limit: limits.maximumManifestBytes)
        let manifest = try BundleManifest(parsing: manifestBytes)
        try checkPromises(of: manifest)

        var header = try context.next(reader)
        var signatureBytes: [UInt8]?
        if let signatureHeader = header, signatureHeader.pathBytes == Array(BundleManifest.signaturePath.utf8) {
            signatureBytes = try readMetadataFile(reader, signatureHeader, limit: 1024)
            header = try context.next(reader)
        }
        let signature = try checkSignature(signatureBytes, manifestBytes: manifestBytes)

        let expected = Dictionary(manifest.entries.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
        let neededDirectories = Set(manifest.directories)
        var seen = Set<String>()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: FileSystem.bufferSize, alignment: 16)
        defer { buffer.deallocate() }

        while let current = header {
            let shown = current.displayPath
            if current.pathBytes == Array(BundleManifest.path.utf8) || current.pathBytes == Array(BundleManifest.signaturePath.utf8) {
                throw BundleError.refused(shown, "appears again or out of place (only as the first and second entry)")
            }
            try refuseLinksAndSpecialFiles(current)
            let isDirectory = current.kind == .directory
            let path = try BundlePath.validate(current.pathBytes, isDirectory: isDirectory, kind: .refused)
            guard seen.insert(path).inserted else {
                throw BundleError.refused(shown, "duplicate entry")
            }
            if isDirectory {
                guard neededDirectories.contains(path) else {
                    throw BundleError.refused(shown, "directory not needed by any file in the manifest")
                }
                try sink?.makeDirectory(path)
            } else {
                guard let entry = expected[path] else {
                    throw BundleError.refused(shown, "file not listed in the manifest")
                }
                try copyFile(reader, current, entry, sink: sink, buffer: buffer, context: &context)
            }
            header = try context.next(reader)
        }
        context.currentEntry = nil
        if let missing = manifest.entries.first(where: { !seen.contains($0.path) }) {
            throw BundleError.refused(missing.path, "listed in the manifest but missing from the archive")
        }
        return BundleContents(manifest: manifest, signature: signature, manifestBytes: manifestBytes, signatureBytes: signatureBytes)
    }

    /// Refuses every entry kind a bundle never holds, saying which and why.
    private func refuseLinksAndSpecialFiles(_ header: ArchiveEntryHeader) throws {
        let shown = header.displayPath
        if let target = header.hardlinkTarget {
            throw BundleError.refused(shown, "hard link to '\(ArchiveEntryHeader.display(target))' refused (bundles hold only regular files and directories; a link could alias a file outside the root)")
        }
        if let target = header.symlinkTarget ?? (header.kind == .symbolicLink ? [] : nil) {
            throw BundleError.refused(shown, "symbolic link to '\(ArchiveEntryHeader.display(target))' refused (bundles hold only regular files and directories; a link could point outside the root)")
        }
        switch header.kind {
        case .regularFile, .directory:
            return
        case .symbolicLink, .characterDevice, .blockDevice, .fifo, .socket, .unknown:
            throw BundleError.refused(shown, "\(header.kind) entry refused (bundles hold only regular files and directories)")
        }
    }

    /// Reads MANIFEST or MANIFEST.sig whole.
    private func readMetadataFile(_ reader: ArchiveReader, _ header: ArchiveEntryHeader, limit: Int) throws -> [UInt8] {
        let shown = header.displayPath
        try refuseLinksAndSpecialFiles(header)
        guard header.kind == .regularFile else { throw BundleError.refused(shown, "must be a regular file") }
        if let size = header.size, size > Int64(limit) {
            throw BundleError.refused(shown, "\(size) bytes, more than the limit of \(limit)")
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = try chunk.withUnsafeMutableBytes { try reader.readData(into: $0) }
            if count == 0 { return bytes }
            bytes.append(contentsOf: chunk[..<count])
            guard bytes.count <= limit else {
                throw BundleError.refused(shown, "more than the limit of \(limit) bytes")
            }
        }
    }

    /// Refuses a manifest that promises more than the limits allow.
    private func checkPromises(of manifest: BundleManifest) throws {
        guard manifest.entries.count <= limits.maximumEntryCount else {
            throw BundleError.refused(BundleManifest.path, "lists \(manifest.entries.count) files, more than the limit of \(limits.maximumEntryCount) entries")
        }
        var total: Int64 = 0
        for entry in manifest.entries {
            guard entry.size <= limits.maximumEntryBytes else {
                throw BundleError.refused(entry.path, "\(entry.size) bytes, more than the per-file limit of \(limits.maximumEntryBytes) (decompression bomb?)")
            }
            let (sum, overflow) = total.addingReportingOverflow(entry.size)
            guard !overflow, sum <= limits.maximumTotalBytes else {
                throw BundleError.refused(BundleManifest.path, "files add up to more than the total limit of \(limits.maximumTotalBytes) bytes (decompression bomb?)")
            }
            total = sum
        }
    }

    /// Applies the signature policy; throws only under `.require`.
    private func checkSignature(_ signatureBytes: [UInt8]?, manifestBytes: [UInt8]) throws -> BundleSignatureStatus {
        func verifies(_ key: Curve25519.Signing.PublicKey) -> Bool {
            guard let signatureBytes, signatureBytes.last == UInt8(ascii: "\n"),
                  let signature = Data(base64Encoded: Data(signatureBytes.dropLast())), signature.count == 64
            else { return false }
            return key.isValidSignature(signature, for: manifestBytes)
        }
        switch signaturePolicy {
        case .ignore:
            return signatureBytes == nil ? .absent : .unchecked
        case .check(let key):
            if signatureBytes == nil { return .absent }
            return verifies(key) ? .valid : .invalid
        case .require(let key):
            guard signatureBytes != nil else {
                throw BundleError.refused(BundleManifest.signaturePath, "missing, and a signature is required")
            }
            guard verifies(key) else {
                throw BundleError.refused(BundleManifest.signaturePath, "does not verify against the required public key (wrong key, or the manifest or signature was altered)")
            }
            return .valid
        }
    }

    /// Streams one file's data through the hash, the limits and the sink.
    private func copyFile(
        _ reader: ArchiveReader, _ header: ArchiveEntryHeader, _ entry: BundleManifestEntry,
        sink: BundleContentSink?, buffer: UnsafeMutableRawBufferPointer, context: inout Context
    ) throws {
        let shown = header.displayPath
        let isExecutable = header.permissions & 0o111 != 0
        guard isExecutable == entry.isExecutable else {
            throw BundleError.refused(shown, "mode 0\(String(header.permissions, radix: 8)) does not match the manifest's \(entry.isExecutable ? "0755" : "0644")")
        }
        if let size = header.size, size != entry.size {
            throw BundleError.refused(shown, "header says \(size) bytes, the manifest says \(entry.size)")
        }
        try sink?.beginFile(entry)
        var hasher = SHA256()
        var size: Int64 = 0
        while true {
            let count = try reader.readData(into: buffer)
            if count == 0 { break }
            size += Int64(count)
            context.totalBytes += Int64(count)
            guard size <= entry.size else {
                throw BundleError.refused(shown, "more data than the manifest's \(entry.size) bytes")
            }
            guard context.totalBytes <= limits.maximumTotalBytes else {
                throw BundleError.refused(shown, "total data exceeds the limit of \(limits.maximumTotalBytes) bytes (decompression bomb?)")
            }
            let chunk = UnsafeRawBufferPointer(rebasing: buffer[..<count])
            hasher.update(bufferPointer: chunk)
            try sink?.writeFileData(chunk)
        }
        guard size == entry.size else {
            throw BundleError.refused(shown, "\(size) bytes, the manifest says \(entry.size)")
        }
        let digest = hasher.finalize().hexString
        guard digest == entry.sha256 else {
            throw BundleError.refused(shown, "SHA-256 mismatch: content hashes to \(digest), the manifest says \(entry.sha256)")
        }
        try sink?.endFile()
    }
}
