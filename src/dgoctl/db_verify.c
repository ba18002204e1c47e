/* db_verify.c - see db_verify.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basic/macros.h"
#include "db_verify.h"
#include "dgo/student.h"

#define BUSY_TIMEOUT_MS 5000
#define SQLITE_MAGIC "SQLite format 3"          /* and its '\0': the first 16 bytes */

/* The tables and columns the grading service reads (its schema, version 1). */
static const struct {
        const char *table;
        const char *columns[6];
} schema[] = {
        { "students", { "id", "first_name", "last_name" } },
        { "grades", { "id", "student_id", "title", "type", "score" } },
};

/* *RET_PROBLEM = the formatted text; returns R (or -ENOMEM). */
static int problem(char **ret_problem, int r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int problem(char **ret_problem, int r, const char *fmt, ...) {
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vasprintf(ret_problem, fmt, ap);
        va_end(ap);
        if (n < 0) {
                *ret_problem = NULL;
                return -ENOMEM;
        }
        return r;
}

static int read_error(sqlite3 *db, char **ret_problem) {
        int code = sqlite3_errcode(db);

        if (code == SQLITE_NOMEM)
                return -ENOMEM;
        /* A file with SQLite's header but garbage after it says "file is not
         * a database" or "database disk image is malformed" here. */
        return problem(ret_problem, code == SQLITE_NOTADB || code == SQLITE_CORRUPT ? -EINVAL : -EIO,
                       "cannot be read: %s", sqlite3_errmsg(db));
}

int db_open(const char *path, int flags, sqlite3 **ret, char **ret_problem) {
        sqlite3 *db = NULL;
        char *name = NULL;
        int rc, r;

        /* Debian's SQLite takes a name starting with "file:" as a URI; "./"
         * in front keeps every name a plain file name. */
        if (asprintf(&name, "%s%s", path[0] == '/' ? "" : "./", path) < 0)
                return -ENOMEM;
        rc = sqlite3_open_v2(name, &db, flags, NULL);
        free(name);
        if (rc != SQLITE_OK) {
                int e = db ? sqlite3_system_errno(db) : 0;

                r = rc == SQLITE_NOMEM ? -ENOMEM : e > 0 ? -e : -EIO;
                r = problem(ret_problem, r, "cannot be opened: %s%s%s", db ? sqlite3_errmsg(db) : sqlite3_errstr(rc),
                            e > 0 ? ": " : "", e > 0 ? strerror(e) : "");
                sqlite3_close(db);
                return r;
        }
        sqlite3_extended_result_codes(db, 1);
        sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS);
        *ret = db;
        return 0;
}

/* Run SQL with the text parameters ARGS (N_ARGS of them) and read the first
 * row's first N_COLS integer columns into COLS. 1 if there was a row, 0 if
 * none, < 0 (with *RET_PROBLEM) on error. */
static int query_row(sqlite3 *db, const char *sql, const char *const *args, int n_args, int64_t *cols, int n_cols,
                     char **ret_problem) {
        sqlite3_stmt *stmt = NULL;
        int rc, r;

        if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
                return read_error(db, ret_problem);
        for (int i = 0; i < n_args; i++)
                if (sqlite3_bind_text(stmt, i + 1, args[i], -1, SQLITE_STATIC) != SQLITE_OK) {
                        r = read_error(db, ret_problem);
                        sqlite3_finalize(stmt);
                        return r;
                }
        rc = sqlite3_step(stmt);
        if (rc == SQLITE_ROW) {
                for (int i = 0; i < n_cols; i++)
                        cols[i] = sqlite3_column_int64(stmt, i);
                r = 1;
        } else if (rc == SQLITE_DONE) {
                r = 0;
        } else {
                r = read_error(db, ret_problem);
        }
        sqlite3_finalize(stmt);
        return r;
}

/* TEXT after the LEN bytes of the string in BUF (of SIZE), lines joined by
 * "; ". The new length, or SIZE once it did not fit (then the string ends
 * in "..." and nothing more is added). */
static size_t append(char *buf, size_t size, size_t len, const char *text) {
        if (len >= size)
                return size;
        for (; *text; text++) {
                if (len + (*text == '\n' ? 2 : 1) > size - 4) {
                        memcpy(buf + len, "...", 4);
                        return size;
                }
                if (*text == '\n') {
                        buf[len++] = ';';
                        buf[len++] = ' ';
                } else {
                        buf[len++] = *text;
                }
        }
        buf[len] = '\0';
        return len;
}

/* PRAGMA integrity_check: one row "ok", or rows that say what is wrong (the
 * first few are quoted). */
static int check_integrity(sqlite3 *db, char **ret_problem) {
        char found[320] = "";
        size_t len = 0;
        sqlite3_stmt *stmt = NULL;
        bool ok = false;
        int rc, rows = 0;

        if (sqlite3_prepare_v2(db, "PRAGMA integrity_check(5)", -1, &stmt, NULL) != SQLITE_OK)
                return read_error(db, ret_problem);
        while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
                const char *row = (const char *) sqlite3_column_text(stmt, 0);

                row = row ? row : "?";
                if (rows++ == 0 && strcmp(row, "ok") == 0)
                        ok = true;
                /* The first row may start with this line; say the rest. */
                if (strncmp(row, "*** in database main ***\n", 25) == 0)
                        row += 25;
                if (rows > 1)
                        len = append(found, sizeof found, len, "\n");
                len = append(found, sizeof found, len, row);
        }
        sqlite3_finalize(stmt);
        if (rc != SQLITE_DONE)
                return read_error(db, ret_problem);
        if (ok && rows == 1)
                return 0;
        return problem(ret_problem, -EINVAL, "fails SQLite's integrity check: %s", found);
}

static int check_version(sqlite3 *db, char **ret_problem) {
        int64_t version = 0;
        int r = query_row(db, "PRAGMA user_version", NULL, 0, &version, 1, ret_problem);

        if (r < 0)
                return r;
        if (version == DB_BOOK_VERSION)
                return 0;
        if (version == 0)
                return problem(ret_problem, -EINVAL, "is no dgo grade book (its user_version is 0, a grade book's is %d)",
                               DB_BOOK_VERSION);
        if (version > DB_BOOK_VERSION)
                return problem(ret_problem, -EINVAL,
                               "is a grade book of version %lld, newer than this dgo knows (%d): "
                               "restore it with the dgo that wrote it", (long long) version, DB_BOOK_VERSION);
        return problem(ret_problem, -EINVAL, "has user_version %lld, which no dgo grade book has (this dgo knows %d)",
                       (long long) version, DB_BOOK_VERSION);
}

static int check_schema(sqlite3 *db, char **ret_problem) {
        int64_t unused;
        int r;

        for (size_t t = 0; t < ELEMENTSOF(schema); t++) {
                const char *table = schema[t].table;

                r = query_row(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1", &table, 1,
                              &unused, 1, ret_problem);
                if (r < 0)
                        return r;
                if (r == 0)
                        return problem(ret_problem, -EINVAL, "has no table \"%s\": it is no dgo grade book", table);
                for (const char *const *c = schema[t].columns; *c; c++) {
                        const char *args[] = { table, *c };

                        r = query_row(db, "SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2", args, 2, &unused, 1,
                                      ret_problem);
                        if (r < 0)
                                return r;
                        if (r == 0)
                                return problem(ret_problem, -EINVAL, "has no column \"%s\" in table \"%s\"", *c, table);
                }
        }
        return 0;
}

/* Grades whose student is missing: the schema's foreign key holds only
 * where it was enforced. */
static int check_orphans(sqlite3 *db, char **ret_problem) {
        int64_t c[3] = { 0 };
        int r;

        r = query_row(db,
                      "SELECT count(*), min(id) FROM grades AS g "
                      "WHERE NOT EXISTS (SELECT 1 FROM students AS s WHERE s.id = g.student_id)",
                      NULL, 0, c, 2, ret_problem);
        if (r < 0 || c[0] == 0)
                return r < 0 ? r : 0;
        r = query_row(db, "SELECT student_id FROM grades WHERE id = (SELECT min(id) FROM grades AS g "
                      "WHERE NOT EXISTS (SELECT 1 FROM students AS s WHERE s.id = g.student_id))",
                      NULL, 0, &c[2], 1, ret_problem);
        if (r < 0)
                return r;
        return problem(ret_problem, -EINVAL,
                       "has %lld grade%s whose student does not exist (the first: grade %lld, of student %lld)",
                       (long long) c[0], c[0] == 1 ? "" : "s", (long long) c[1], (long long) c[2]);
}

/* What the grading service finds wrong with a row when it loads the book
 * (src/grading/store.c, by the same functions of the model); NULL if
 * nothing. The columns are read as it reads them. */
static const char *bad_student(sqlite3_stmt *stmt) {
        return student_fields_problem(sqlite3_column_int64(stmt, 0), (const char *) sqlite3_column_text(stmt, 1),
                                      (const char *) sqlite3_column_text(stmt, 2));
}

static const char *bad_grade(sqlite3_stmt *stmt) {
        return grade_fields_problem((const char *) sqlite3_column_text(stmt, 2),
                                    (const char *) sqlite3_column_text(stmt, 3), sqlite3_column_double(stmt, 4));
}

/* Every row of SQL through BAD; the first bad one and how many are bad
 * make the problem. WHAT names a row ("student", "grade"). */
static int check_each(sqlite3 *db, const char *sql, const char *what, const char *(*bad)(sqlite3_stmt *),
                      char **ret_problem) {
        const char *first_why = NULL;
        int64_t first_id = 0, first_student = 0, n_bad = 0;
        sqlite3_stmt *stmt = NULL;
        char why[128];
        int rc;

        if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
                return read_error(db, ret_problem);
        while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
                const char *w = bad(stmt);

                if (w && n_bad++ == 0) {
                        first_why = w;
                        first_id = sqlite3_column_int64(stmt, 0);
                        first_student = sqlite3_column_int64(stmt, 1);
                }
        }
        sqlite3_finalize(stmt);
        if (rc != SQLITE_DONE)
                return read_error(db, ret_problem);
        if (n_bad == 0)
                return 0;
        if (strcmp(what, "grade") == 0)
                snprintf(why, sizeof why, "grade %lld, of student %lld", (long long) first_id,
                         (long long) first_student);
        else
                snprintf(why, sizeof why, "student %lld", (long long) first_id);
        return problem(ret_problem, -EINVAL, "has %lld %s%s the grading service would refuse (the first: %s: %s)",
                       (long long) n_bad, what, n_bad == 1 ? "" : "s", why, first_why);
}

/* The rows as the grading service loads them: it refuses the whole book
 * for one bad row, and it would not start. */
static int check_rows(sqlite3 *db, char **ret_problem) {
        int64_t c[2] = { 0 };
        int r;

        r = check_orphans(db, ret_problem);
        if (r >= 0)
                r = check_each(db, "SELECT id, first_name, last_name FROM students", "student", bad_student,
                               ret_problem);
        if (r >= 0)
                r = check_each(db, "SELECT id, student_id, title, type, score FROM grades", "grade", bad_grade,
                               ret_problem);
        if (r >= 0)
                r = query_row(db, "SELECT student_id, count(*) AS n FROM grades GROUP BY student_id "
                              "ORDER BY n DESC, student_id LIMIT 1", NULL, 0, c, 2, ret_problem);
        if (r < 0)
                return r;
        if (c[1] > GB_GRADES_MAX)
                return problem(ret_problem, -EINVAL, "gives student %lld %lld grades, more than the grading service "
                               "takes (%d)", (long long) c[0], (long long) c[1], GB_GRADES_MAX);
        return 0;
}

int db_verify_open(sqlite3 *db, struct db_summary *ret, char **ret_problem) {
        int64_t n[2] = { 0, 0 };        /* set by query_row(); zeroed for the compiler, which cannot see that */
        int r;

        *ret_problem = NULL;
        r = check_integrity(db, ret_problem);
        if (r >= 0)
                r = check_version(db, ret_problem);
        if (r >= 0)
                r = check_schema(db, ret_problem);
        if (r >= 0)
                r = check_rows(db, ret_problem);
        if (r >= 0)
                r = query_row(db, "SELECT (SELECT count(*) FROM students), (SELECT count(*) FROM grades)", NULL, 0, n,
                              2, ret_problem);
        if (r < 0)
                return r;
        *ret = (struct db_summary) { .students = n[0], .grades = n[1] };
        return 0;
}

/* Before SQLite: SQLite would take an empty file as an empty database, and
 * says only "file is not a database" for any other file. */
static int check_file(const char *path, char **ret_problem) {
        char magic[sizeof SQLITE_MAGIC];
        struct stat st;
        ssize_t n;
        int fd;

        if (stat(path, &st) < 0)
                return problem(ret_problem, -errno, "cannot be read: %s", strerror(errno));
        if (!S_ISREG(st.st_mode))
                return problem(ret_problem, -EINVAL, "is not a regular file");
        if (st.st_size == 0)
                return problem(ret_problem, -EINVAL, "is empty");
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return problem(ret_problem, -errno, "cannot be read: %s", strerror(errno));
        n = read(fd, magic, sizeof magic);
        if (n < 0) {
                int e = errno;

                close(fd);
                return problem(ret_problem, -e, "cannot be read: %s", strerror(e));
        }
        close(fd);
        if ((size_t) n < sizeof magic || memcmp(magic, SQLITE_MAGIC, sizeof magic) != 0)
                return problem(ret_problem, -EINVAL, "is not an SQLite database");
        return 0;
}

int db_verify(const char *path, struct db_summary *ret, char **ret_problem) {
        sqlite3 *db = NULL;
        int r;

        *ret_problem = NULL;
        r = check_file(path, ret_problem);
        if (r >= 0)
                r = db_open(path, SQLITE_OPEN_READONLY, &db, ret_problem);
        if (r >= 0)
                r = db_verify_open(db, ret, ret_problem);
        sqlite3_close(db);
        return r;
}
