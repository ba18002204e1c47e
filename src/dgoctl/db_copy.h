/* db_copy.h - a consistent copy of a live SQLite database into a new file.
 *
 * The source is opened read-only, and one read transaction is held for the
 * whole copy: the copy is the database as of the moment that transaction
 * began, with every transaction committed before it and none in part. The
 * grading service's store is in WAL mode, where a reader never blocks a
 * writer: the service goes on committing grades meanwhile (its checkpoints
 * stop at our snapshot until we are done, so its -wal grows a little). The
 * pages are copied with SQLite's online backup API in steps.
 *
 * The copy is written to a temporary file in the target's directory,
 * switched to the rollback journal (one self-contained file: opening it
 * later needs no -wal or -shm beside it), and fsync'd; db_install() then
 * renames it into place. Unit-tested. */
#pragma once

#include <stdbool.h>
#include <sys/stat.h>

/* Copy the database SRC into a new file "DST.tmp-XXXXXX" beside DST (DST
 * itself is not looked at). The file gets the owner and mode of LIKE when
 * LIKE is not NULL, else it is the caller's with mode 0600: a grade book is
 * private. 0 with the file's name in *RET_TMP (malloc'd); on failure
 * -errno, nothing is left behind and *RET_PROBLEM (malloc'd, may be NULL
 * for -ENOMEM) says what went wrong as a sentence. */
int db_copy_to_temp(const char *src, const char *dst, const struct stat *like, char **ret_tmp, char **ret_problem);

/* Rename TMP to DST and fsync their directory. Unless REPLACE, an existing
 * DST is not replaced: -EEXIST (checked by the rename itself, so no file
 * appearing meanwhile is overwritten either). */
int db_install(const char *tmp, const char *dst, bool replace);

