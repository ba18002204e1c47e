/* db_replace.h - put a new grade book in the place of the old one, while
 * the service that uses it is stopped (`dgoctl restore`).
 *
 * DB is the service's database (gradebook.db), NEW a complete database file
 * in the same directory (from db_copy_to_temp()). Afterwards DB is the new
 * book and the old one is DB.before-restore, from which an operator can
 * restore it again. A crash at any moment leaves at DB either the old book
 * or the new one, never a mix:
 *
 * 1. A DB.before-restore of an earlier restore goes, with its -wal and -shm.
 * 2. DB.before-restore becomes a second name (hard link) of DB.
 * 3. DB's -wal moves to DB.before-restore-wal and its -shm goes: a -wal left
 *    beside the new book would be replayed into it, and this one may hold
 *    grades committed by a service that was killed, which belong to the old
 *    book (SQLite finds them beside DB.before-restore when that is opened).
 *    The directory is fsync'd.
 * 4. NEW is renamed over DB, and the directory fsync'd.
 *
 * If step 4 fails, the -wal is moved back. Unit-tested. */
#pragma once

#include <stdbool.h>

#define DB_BEFORE_RESTORE_SUFFIX ".before-restore"

/* 0, or -errno with *RET_PROBLEM (malloc'd, may be NULL for -ENOMEM)
 * saying which step failed; DB is then still the old book, except when the
 * last fsync of the directory failed (the problem says so). *RET_HAD_OLD
 * says whether there was an old book (so a DB.before-restore now). */
int db_replace(const char *db, const char *new_path, bool *ret_had_old, char **ret_problem);
