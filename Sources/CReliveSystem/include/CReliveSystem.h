// What Glibc hides from Swift because it needs _GNU_SOURCE: renameat2
// (for renames that never replace) and syncfs.
#ifndef RELIVE_CRELIVESYSTEM_H
#define RELIVE_CRELIVESYSTEM_H

/// renameat2(from_dir, from, to_dir, to, RENAME_NOREPLACE). Returns 0 or -1 with errno set.
int relive_system_rename_noreplace(int from_dir, const char *from, int to_dir, const char *to);

/// syncfs(fd): flushes the file system holding fd. Returns 0 or -1 with errno set.
int relive_system_syncfs(int fd);

#endif
