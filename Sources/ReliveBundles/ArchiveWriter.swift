import CArchiveShim

/// A libarchive writer producing a deterministic pax-restricted tar stream on
/// an open file descriptor.
///
/// Owns its `struct archive *` and frees it on deinit; does not own the file
/// descriptor. Determinism is the writer's job as far as the stream goes:
/// pax *restricted* (plain ustar headers unless a name or size needs an
/// extension), gzip without timestamp, entries exactly as given — no uid,
/// gid, user or group names, atime or ctime. Choosing entry order, mtimes and
/// modes is the caller's job.
final class ArchiveWriter {
    private let archive: OpaquePointer

    /// Opens a writer on `fileDescriptor`.
    /// - Parameters:
    ///   - compression: the filter; gzip and zstd run inside libarchive (an
    ///     external program would make a warning, which is refused).
    ///   - compressionLevel: the filter's level, nil for its default.
    /// - Throws: ``ArchiveError`` when libarchive refuses a setting.
    init(fileDescriptor: Int32, compression: BundleCompression, compressionLevel: Int? = nil) throws {
        guard let archive = archive_write_new() else {
            throw ArchiveError(operation: "create writer", message: "archive_write_new returned NULL", errorNumber: 0)
        }
        self.archive = archive
        try ArchiveError.check(archive_write_set_format_pax_restricted(archive), "set pax format", archive: archive)
        switch compression {
        case .gzip:
            try ArchiveError.check(archive_write_add_filter_gzip(archive), "enable gzip", archive: archive)
            // gzip's header would otherwise carry the current time.
            try ArchiveError.check(archive_write_set_options(archive, "gzip:!timestamp"), "set gzip options", archive: archive)
        case .zstd:
            try ArchiveError.check(archive_write_add_filter_zstd(archive), "enable zstd", archive: archive)
        case .none:
            try ArchiveError.check(archive_write_add_filter_none(archive), "disable compression", archive: archive)
        }
        if let compressionLevel, compression != .none {
            let option = "\(compression.rawValue):compression-level=\(compressionLevel)"
            try ArchiveError.check(archive_write_set_options(archive, option), "set \(option)", archive: archive)
        }
        try ArchiveError.check(archive_write_open_fd(archive, fileDescriptor), "open archive for writing", archive: archive)
    }

    deinit {
        archive_write_free(archive)
    }

    /// Writes one entry header; the entry's data (exactly `header.size`
    /// bytes, or the sum of the data regions' lengths) follows through
    /// ``writeData(_:)``.
    /// - Parameter sparseDataRegions: for a sparse entry, the regions that
    ///   hold data (everything else is a hole); empty for an ordinary entry.
    ///   Test support: a huge entry that costs nothing to write.
    /// - Throws: ``ArchiveError`` when libarchive refuses the header.
    func writeHeader(_ header: ArchiveEntryHeader, sparseDataRegions: [(offset: Int64, length: Int64)] = []) throws {
        guard let entry = archive_entry_new2(archive) else {
            throw ArchiveError(operation: "create entry", message: "archive_entry_new2 returned NULL", errorNumber: 0)
        }
        defer { archive_entry_free(entry) }
        Self.withCString(header.pathBytes) { archive_entry_set_pathname(entry, $0) }
        archive_entry_set_filetype(entry, header.kind.fileType)
        archive_entry_set_perm(entry, header.permissions & 0o7777)
        if let size = header.size { archive_entry_set_size(entry, size) }
        archive_entry_set_mtime(entry, Int(header.modificationTime), 0)
        archive_entry_set_uid(entry, 0)
        archive_entry_set_gid(entry, 0)
        if let target = header.hardlinkTarget {
            Self.withCString(target) { archive_entry_set_hardlink(entry, $0) }
        }
        if let target = header.symlinkTarget {
            Self.withCString(target) { archive_entry_set_symlink(entry, $0) }
        }
        for region in sparseDataRegions {
            archive_entry_sparse_add_entry(entry, region.offset, region.length)
        }
        try ArchiveError.check(archive_write_header(archive, entry), "write header of \(header.displayPath)", archive: archive)
    }

    /// Writes data for the current entry, all of `buffer`.
    /// - Throws: ``ArchiveError`` when the write fails (disk full, compressor error).
    func writeData(_ buffer: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < buffer.count {
            let written = archive_write_data(archive, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
            if written < 0 {
                throw ArchiveError(operation: "write data", archive: archive)
            }
            if written == 0 {
                throw ArchiveError(operation: "write data", message: "libarchive accepted no bytes (more data than the header's size?)", errorNumber: 0)
            }
            offset += written
        }
    }

    /// Finishes the stream: pads the last block, flushes the compressor.
    /// The bundle is complete only after this returns.
    /// - Throws: ``ArchiveError`` when the final write fails.
    func close() throws {
        try ArchiveError.check(archive_write_close(archive), "finish archive", archive: archive)
    }

    private static func withCString<R>(_ bytes: [UInt8], _ body: (UnsafePointer<CChar>) -> R) -> R {
        var terminated = bytes.map { CChar(bitPattern: $0) }
        terminated.append(0)
        return terminated.withUnsafeBufferPointer { buffer in
            // Never empty (it holds the terminator), but no force-unwrap.
            guard let base = buffer.baseAddress else { return "".withCString(body) }
            return body(base)
        }
    }
}
