import CArchiveShim

/// The file type of a tar entry, as libarchive reports it.
public enum ArchiveEntryKind: Sendable, Equatable, CustomStringConvertible {
    case regularFile
    case directory
    case symbolicLink
    case characterDevice
    case blockDevice
    case fifo
    case socket
    /// A type code libarchive knows no name for.
    case unknown(UInt32)

    /// Classifies the type bits of an entry mode (`archive_entry_filetype`).
    init(fileType: UInt32) {
        switch fileType & relive_archive_type_mask() {
        case relive_archive_type_regular(): self = .regularFile
        case relive_archive_type_directory(): self = .directory
        case relive_archive_type_symlink(): self = .symbolicLink
        case relive_archive_type_character_device(): self = .characterDevice
        case relive_archive_type_block_device(): self = .blockDevice
        case relive_archive_type_fifo(): self = .fifo
        case relive_archive_type_socket(): self = .socket
        case let other: self = .unknown(other)
        }
    }

    /// The `AE_IF*` code libarchive expects when writing an entry of this kind.
    var fileType: UInt32 {
        switch self {
        case .regularFile: relive_archive_type_regular()
        case .directory: relive_archive_type_directory()
        case .symbolicLink: relive_archive_type_symlink()
        case .characterDevice: relive_archive_type_character_device()
        case .blockDevice: relive_archive_type_block_device()
        case .fifo: relive_archive_type_fifo()
        case .socket: relive_archive_type_socket()
        case .unknown(let code): code
        }
    }

    public var description: String {
        switch self {
        case .regularFile: "regular file"
        case .directory: "directory"
        case .symbolicLink: "symbolic link"
        case .characterDevice: "character device"
        case .blockDevice: "block device"
        case .fifo: "FIFO"
        case .socket: "socket"
        case .unknown(let code): "unknown file type 0o\(String(code, radix: 8))"
        }
    }
}
