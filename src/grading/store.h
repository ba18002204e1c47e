/* store.h - the grade book on disk, without a database.
 *
 * One JSON file in StateDirectory=. Every change replaces it atomically
 * (atomic_file.h: temporary file, fsync, rename, fsync of the directory)
 * before the change is acknowledged, so after a crash at any moment the file
 * is valid and holds every acknowledged change. The first start copies the
 * sample students shipped in /usr/share/dgo. */
#pragma once

#include "gradebook.h"

/* Load PATH; when it does not exist, load SEED and save it to PATH. A file
 * that exists but does not parse is an error: it is never overwritten. */
int store_load(const char *path, const char *seed, struct gradebook *gb);
int store_save(const char *path, const struct gradebook *gb);
