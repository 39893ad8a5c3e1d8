// What Swift cannot take from <archive.h> / <archive_entry.h> directly:
// the AE_IF* file-type macros (they carry a cast, so the importer skips
// them) and the variadic archive_set_error. (renameat2 and syncfs live in
// ReliveSystem's CReliveSystem.)
#ifndef RELIVE_CARCHIVE_SHIM_H
#define RELIVE_CARCHIVE_SHIM_H

#include <archive.h>
#include <archive_entry.h>

/// AE_IFMT: the mask that selects the file-type bits of an entry's mode.
unsigned int relive_archive_type_mask(void);
/// AE_IFREG: a regular file.
unsigned int relive_archive_type_regular(void);
/// AE_IFDIR: a directory.
unsigned int relive_archive_type_directory(void);
/// AE_IFLNK: a symbolic link.
unsigned int relive_archive_type_symlink(void);
/// AE_IFCHR: a character device.
unsigned int relive_archive_type_character_device(void);
/// AE_IFBLK: a block device.
unsigned int relive_archive_type_block_device(void);
/// AE_IFIFO: a FIFO (named pipe).
unsigned int relive_archive_type_fifo(void);
/// AE_IFSOCK: a socket.
unsigned int relive_archive_type_socket(void);

/// archive_set_error with a fixed "%s" format, so a Swift callback can
/// report an error on an archive without calling a variadic function.
void relive_archive_set_error(struct archive *archive, int error_number, const char *message);


#endif
