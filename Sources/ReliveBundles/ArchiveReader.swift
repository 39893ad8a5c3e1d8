import CArchiveShim

/// A libarchive reader over an open file descriptor, restricted to tar
/// (gzip, zstd or uncompressed).
///
/// Owns its `struct archive *` and frees it on deinit; does not own the file
/// descriptor. Not thread-safe: one reader, one thread.
final class ArchiveReader {
    private let archive: OpaquePointer

    /// Opens a reader on `fileDescriptor`.
    ///
    /// Only the tar format is enabled (no cpio, zip, iso…): a bundle is a tar,
    /// and every extra format is extra parser code facing untrusted input.
    /// - Throws: ``ArchiveError`` when libarchive cannot allocate or open.
    init(fileDescriptor: Int32, blockSize: Int = 64 * 1024) throws {
        guard let archive = archive_read_new() else {
            throw ArchiveError(operation: "create reader", message: "archive_read_new returned NULL", errorNumber: 0)
        }
        self.archive = archive
        try ArchiveError.check(archive_read_support_filter_gzip(archive), "enable gzip", archive: archive)
        try ArchiveError.check(archive_read_support_filter_zstd(archive), "enable zstd", archive: archive)
        try ArchiveError.check(archive_read_support_format_tar(archive), "enable tar", archive: archive)
        try ArchiveError.check(archive_read_open_fd(archive, fileDescriptor, blockSize), "open archive", archive: archive)
    }

    deinit {
        archive_read_free(archive)
    }

    /// Reads the next entry header.
    /// - Returns: the header, or nil at the end of the archive.
    /// - Throws: ``ArchiveError`` for a corrupt or truncated archive.
    func nextHeader() throws -> ArchiveEntryHeader? {
        var entry: OpaquePointer?
        let status = archive_read_next_header(archive, &entry)
        if status == ARCHIVE_EOF { return nil }
        try ArchiveError.check(status, "read header", archive: archive)
        guard let entry else {
            throw ArchiveError(operation: "read header", message: "libarchive returned no entry", errorNumber: 0)
        }
        // The name in the archive's own charset, else its UTF-8 form; an
        // entry with neither cannot be named, let alone checked.
        guard let pathBytes = Self.bytes(archive_entry_pathname(entry)) ?? Self.bytes(archive_entry_pathname_utf8(entry)) else {
            throw ArchiveError(operation: "read header", message: "entry name cannot be decoded", errorNumber: 0)
        }
        var header = ArchiveEntryHeader(
            pathBytes: pathBytes,
            kind: ArchiveEntryKind(fileType: UInt32(archive_entry_filetype(entry))),
            size: archive_entry_size_is_set(entry) != 0 ? archive_entry_size(entry) : nil,
            permissions: UInt32(archive_entry_perm(entry)) & 0o7777,
            hardlinkTarget: Self.bytes(archive_entry_hardlink(entry)),
            symlinkTarget: Self.bytes(archive_entry_symlink(entry)),
            modificationTime: Int64(archive_entry_mtime(entry))
        )
        header.userID = archive_entry_uid(entry)
        header.groupID = archive_entry_gid(entry)
        header.userName = archive_entry_uname(entry).map { String(cString: $0) }
        header.groupName = archive_entry_gname(entry).map { String(cString: $0) }
        return header
    }

    /// Reads the current entry's data into `buffer`.
    ///
    /// Holes in sparse entries come back as zeros, so the byte count is the
    /// real uncompressed size (what a bomb limit must count).
    /// - Returns: the number of bytes read, 0 at the end of the entry.
    /// - Throws: ``ArchiveError`` for corrupt or truncated data.
    func readData(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let count = archive_read_data(archive, buffer.baseAddress, buffer.count)
        if count < 0 {
            throw ArchiveError(operation: "read data", archive: archive)
        }
        return count
    }

    private static func bytes(_ cString: UnsafePointer<CChar>?) -> [UInt8]? {
        guard let cString else { return nil }
        var result: [UInt8] = []
        var pointer = cString
        while pointer.pointee != 0 {
            result.append(UInt8(bitPattern: pointer.pointee))
            pointer += 1
        }
        return result
    }
}
