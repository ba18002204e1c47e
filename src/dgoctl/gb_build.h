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
 * SQLite files (test-dgoctl-gradebook).
 *
 * A cluster's PostgreSQL book is served by running replicas: it is not
 * built aside and swapped in, but replaced in one transaction by the store
 * (store_replace_book(): the schema made if there is none, the tables
 * locked, the book replaced, the replicas told), then read back and
 * compared in the same way (test-dgoctl-gradebook-pg). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "db_verify.h"
#include "dgo/gradebook.h"
#include "gb_file.h"

/* Build the book TEXT (LEN bytes of JSON, which parses to EXPECT) into a
 * new file "DST.import-XXXXXX" beside DST (DST itself is not looked at).
 * The file gets the owner and mode of LIKE when LIKE is not NULL, else it
 * is the caller's with mode 0600. 0 with its name in *RET_TMP (malloc'd)
 * and its counts in *RET_SUM; on failure -errno, nothing is left behind
 * and *RET_PROBLEM (malloc'd, may be NULL for -ENOMEM) says what went
 * wrong as a sentence (the store's own messages are on stderr). */
int gb_build(const char *dst, const char *text, size_t len, const struct gradebook *expect,
             const struct stat *like, char **ret_tmp, struct db_summary *ret_sum, char **ret_problem);

/* What is known of the PostgreSQL book after gb_build_postgresql(). */
enum gb_pg_outcome {
        GB_PG_UNCHANGED,        /* nothing was committed */
        GB_PG_REPLACED,         /* committed (*RET_PROBLEM: but read back, it is not the file's) */
        GB_PG_UNKNOWN,          /* the COMMIT's outcome is unknown */
};

struct gb_pg_result {
        enum gb_pg_outcome outcome;
        size_t old_students, old_grades;        /* what the book held (when counted) */
        struct gb_summary loaded;               /* what it held when read back */
};

/* Make BOOK (checked by gb_check()) the whole grade book in the PostgreSQL
 * database CONNINFO names (PASSWORD, if not NULL, overrides any in it),
 * IDs kept, in one transaction; a book that holds students only if
 * REPLACE (else -ENOTEMPTY, nothing done). Then read it back: it must be
 * BOOK, student for student, grade for grade. 0, or -errno with
 * *RET_PROBLEM (malloc'd, NULL if out of memory) a sentence; RET->outcome
 * says what is known either way. */
int gb_build_postgresql(const char *conninfo, const char *password, const struct gradebook *book, bool replace,
                        struct gb_pg_result *ret, char **ret_problem);
