/* atomic_file.h - replace a file so that a crash at any moment leaves
 * either the old or the new content, never a mix: write a temporary file in
 * the same directory, fsync it, rename it over the old one, fsync the
 * directory. When this returns 0 the new content is on disk. */
#pragma once

#include <stddef.h>

int atomic_write_file(const char *path, const void *data, size_t len, unsigned mode);

/* fsync() the directory PATH is in: what makes a rename or a new file in it durable. */
int fsync_directory_of(const char *path);
/* rename(FROM, TO) within one directory, durably. */
int rename_durably(const char *from, const char *to);
