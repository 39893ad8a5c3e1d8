#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include "CArchiveShim.h"

unsigned int relive_archive_type_mask(void) { return (unsigned int)AE_IFMT; }
unsigned int relive_archive_type_regular(void) { return (unsigned int)AE_IFREG; }
unsigned int relive_archive_type_directory(void) { return (unsigned int)AE_IFDIR; }
unsigned int relive_archive_type_symlink(void) { return (unsigned int)AE_IFLNK; }
unsigned int relive_archive_type_character_device(void) { return (unsigned int)AE_IFCHR; }
unsigned int relive_archive_type_block_device(void) { return (unsigned int)AE_IFBLK; }
unsigned int relive_archive_type_fifo(void) { return (unsigned int)AE_IFIFO; }
unsigned int relive_archive_type_socket(void) { return (unsigned int)AE_IFSOCK; }

void relive_archive_set_error(struct archive *archive, int error_number, const char *message) {
    archive_set_error(archive, error_number, "%s", message);
}
