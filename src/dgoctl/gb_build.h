/* gb_build.h - a new grade book database from a JSON grade book, made by
 * the grading service's own store (`dgoctl gradebook import`).
 *
 * The store fills a new, empty database from a legacy JSON file in the
 * transaction that creates its schema (grading/store.h): the very path a
 * grading service takes when it finds an earlier dgo's students.json, and
 * the one a PostgreSQL store will take too. So the JSON is written to a
 * private file beside the target, the store is opened on a new database
 * file beside it with that file as its legacy book (and no sample book to
 * fall back on), and what the store loads back must equal the book that
 * was checked, student for student, grade for grade, IDs included. The
 * database is then switched to the rollback journal (one self-contained
 * file, as a backup is), fsync'd, given LIKE's owner and mode, and checked
 * as `dgoctl restore` checks a file (db_verify.h). Unit-tested on real
 * SQLite files (test-dgoctl-gradebook). */
#pragma once

#include <stddef.h>
#include <sys/stat.h>

#include "db_verify.h"
#include "dgo/gradebook.h"

/* Build the book TEXT (LEN bytes of JSON, which parses to EXPECT) into a
 * new file "DST.import-XXXXXX" beside DST (DST itself is not looked at).
 * The file gets the owner and mode of LIKE when LIKE is not NULL, else it
 * is the caller's with mode 0600. 0 with its name in *RET_TMP (malloc'd)
 * and its counts in *RET_SUM; on failure -errno, nothing is left behind
 * and *RET_PROBLEM (malloc'd, may be NULL for -ENOMEM) says what went
 * wrong as a sentence (the store's own messages are on stderr). */
int gb_build(const char *dst, const char *text, size_t len, const struct gradebook *expect,
             const struct stat *like, char **ret_tmp, struct db_summary *ret_sum, char **ret_problem);
