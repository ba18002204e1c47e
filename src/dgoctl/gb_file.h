/* gb_file.h - the grade book as a JSON file: `dgoctl gradebook export` and
 * `import`.
 *
 * The file is what the grading service's GET /students answers, the
 * original protocol's list [{"ID":1,"FirstName":..,"LastName":..,"Grades":
 * [{"Title":..,"Type":..,"Score":..}]}], which is also the JSON file an
 * earlier dgo kept the book in (the store imports it into a new database:
 * grading/store.h). Both commands check a file with the same parser and
 * limits as the store (dgo/gradebook.h, JSON with duplicate keys refused),
 * so export never writes a file that import would refuse.
 *
 * JSON and the file system only: unit-tested (test-dgoctl-gradebook). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "dgo/gradebook.h"

/* The largest file either command handles: a full book (10,000 students,
 * 100 grades each) is about 60 MB. */
#define GB_FILE_MAX (1024u << 20)

struct gb_summary {
        size_t students;
        size_t grades;
        long highest_id;                /* 0 for an empty book */
};

/* Parse TEXT (LEN bytes) as the store parses a legacy file. 0 with the
 * book in *RET (sorted by ID; may be NULL) and its counts in *SUM; -EINVAL
 * with a sentence in ERROR ("not valid JSON: ... (line 3, column 7)",
 * "student 2 (the 3rd in the list): ...", ...), -ENOMEM, -ENOSPC (more
 * students than GB_STUDENTS_MAX, said in ERROR). */
int gb_check(const char *text, size_t len, struct gradebook *ret, struct gb_summary *sum, char *error,
             size_t error_size);

/* The counts of GB. */
void gb_summarize(const struct gradebook *gb, struct gb_summary *ret);

/* The whole regular file PATH (at most MAX bytes), NUL-terminated, in a
 * malloc'd *RET, its length in *RET_LEN. 0, or -errno with a phrase that
 * follows the file's name in *RET_PROBLEM (malloc'd; NULL for -ENOMEM):
 * "does not exist", "is not a regular file", "is larger than 1024 MiB". */
int gb_read_file(const char *path, size_t max, char **ret, size_t *ret_len, char **ret_problem);

/* Write DATA (LEN bytes) to PATH atomically: a temporary file beside it
 * ("PATH.tmp-XXXXXX", mode 0600: grades are personal data), fsync'd,
 * renamed to PATH, the directory fsync'd. An existing PATH is replaced
 * only with REPLACE (-EEXIST otherwise, checked by the rename itself), and
 * only if it is a regular file. 0, or -errno with *RET_PROBLEM (malloc'd;
 * NULL for -ENOMEM) saying what went wrong as a sentence; nothing is left
 * behind then. */
int gb_write_file(const char *path, const char *data, size_t len, bool replace, char **ret_problem);
