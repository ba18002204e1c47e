/* db_verify.h - is a file a grade book this dgo can serve?
 *
 * What `dgoctl restore` checks before it touches anything, and what
 * `dgoctl backup` checks of the copy it made: the file is an SQLite
 * database, PRAGMA integrity_check says ok, its user_version is one this
 * dgo knows, the tables and columns of the schema are there, every grade's
 * student exists, and every row is one the grading service loads (it
 * refuses a whole book for one bad row: names, titles, types, scores, IDs
 * and grades per student by the rules of dgo/student.h and dgo/grade.h). SQLite
 * and a look at the file's first bytes, no other I/O: unit-tested. */
#pragma once

#include <sqlite3.h>
#include <stdint.h>

/* The grade book's schema version (PRAGMA user_version) this dgo knows;
 * the grading service's store writes the same. */
#define DB_BOOK_VERSION 1

struct db_summary {
        int64_t students;
        int64_t grades;
};

/* Open PATH (not a URI, whatever it starts with) with FLAGS
 * (SQLITE_OPEN_READONLY, ...) and a busy timeout. 0 or -errno; on failure
 * *RET_PROBLEM (malloc'd) says why. */
int db_open(const char *path, int flags, sqlite3 **ret, char **ret_problem);

/* Check the open database DB as the header says. 0 with the counts in
 * *RET; -EINVAL when it is no grade book this dgo can serve, -EIO when it
 * cannot be read, -ENOMEM: *RET_PROBLEM (malloc'd) then says what is wrong,
 * as a phrase that follows the file's name ("is not an SQLite database"). */
int db_verify_open(sqlite3 *db, struct db_summary *ret, char **ret_problem);

/* The same for the file PATH, opened read-only (a missing file, a directory
 * or an empty file is refused before SQLite sees it). */
int db_verify(const char *path, struct db_summary *ret, char **ret_problem);
