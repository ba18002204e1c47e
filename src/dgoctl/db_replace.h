/* db_replace.h - put a new grade book in the place of the old one, while
 * the service that uses it is stopped (`dgoctl restore`).
 *
 * DB is the service's database (gradebook.db), NEW a complete database file
 * in the same directory (from db_copy_to_temp()). Afterwards DB is the new
 * book and the old one is DB.before-restore, from which an operator can
 * restore it again. A crash at any moment leaves at DB the old book or the
 * new one, never a mix; only when step 1 fails (a damaged book) can the old
 * one at DB lack the grades of its -wal, which are then beside
 * DB.before-restore:
 *
 * 1. A -wal beside DB (a service that was killed leaves its last grades
 *    there) is checkpointed into DB, which removes it.
 * 2. A DB.before-restore of an earlier restore goes, with its -wal and -shm.
 * 3. DB.before-restore becomes a second name (hard link) of DB.
 * 4. A -wal still beside DB (step 1 failed: a damaged book) moves to
 *    DB.before-restore-wal, where SQLite finds it when DB.before-restore is
 *    opened; a -wal left beside the new book would be replayed into it. The
 *    -shm goes. The directory is fsync'd.
 * 5. NEW is renamed over DB, and the directory fsync'd.
 *
 * If step 5 fails, the -wal is moved back. Unit-tested. */
#pragma once

#include <stdbool.h>

#define DB_BEFORE_RESTORE_SUFFIX ".before-restore"

/* 0, or -errno with *RET_PROBLEM (malloc'd, may be NULL for -ENOMEM)
 * saying which step failed; DB is then still the old book, except when the
 * last fsync of the directory failed (the problem says so). *RET_HAD_OLD
 * says whether there was an old book (so a DB.before-restore now). */
int db_replace(const char *db, const char *new_path, bool *ret_had_old, char **ret_problem);
