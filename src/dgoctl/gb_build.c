/* gb_build.c - see gb_build.h. */
#include "gb_build.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "basic/fd_util.h"
#include "basic/log.h"
#include "basic/macros.h"
#include "db_problem.h"
#include "gb_file.h"
#include "grading/store.h"


/* PATH and what SQLite or the store may have made beside it. */
static void remove_with_companions(const char *path) {
        static const char *const suffixes[] = { "", "-wal", "-shm", "-journal", ".imported" };
        char name[4200];

        for (size_t i = 0; i < ELEMENTSOF(suffixes); i++) {
                snprintf(name, sizeof name, "%s%s", path, suffixes[i]);
                (void) unlink(name);
        }
}

/* A new empty file "DST.SUFFIX-XXXXXX" (mode 0600), its name in *RET. */
static int make_temp(const char *dst, const char *suffix, char **ret, int *ret_fd) {
        char *name;
        int fd;

        if (asprintf(&name, "%s.%s-XXXXXX", dst, suffix) < 0)
                return -ENOMEM;
        fd = mkostemp(name, O_CLOEXEC);
        if (fd < 0) {
                free(name);
                return -errno;
        }
        *ret = name;
        *ret_fd = fd;
        return 0;
}

/* The JSON beside DST, for the store to import (it renames it to
 * NAME.imported once committed). */
static int write_legacy(const char *dst, const char *text, size_t len, char **ret, char **ret_problem) {
        int fd, r = make_temp(dst, "import-json", ret, &fd);

        if (r < 0)
                return db_problem(ret_problem, r, "cannot create a file beside %s: %s", dst, strerror(-r));
        r = write_all(fd, text, len);
        if (close(fd) < 0 && r == 0)
                r = -errno;
        if (r < 0) {
                r = db_problem(ret_problem, r, "cannot write %s: %s", *ret, strerror(-r));
                (void) unlink(*ret);
                free(*ret);
                *ret = NULL;
        }
        return r;
}

/* What the store loaded back is the book that was checked: field by field
 * (two JSON trees of a full book would take about a GB more). */
static bool same_book(const struct gradebook *a, const struct gradebook *b) {
        if (a->n_students != b->n_students)
                return false;
        for (size_t i = 0; i < a->n_students; i++) {
                const struct student *x = &a->students[i], *y = &b->students[i];

                if (x->id != y->id || strcmp(x->first_name, y->first_name) != 0 ||
                    strcmp(x->last_name, y->last_name) != 0 || x->n_grades != y->n_grades)
                        return false;
                for (size_t k = 0; k < x->n_grades; k++)
                        if (strcmp(x->grades[k].title, y->grades[k].title) != 0 ||
                            x->grades[k].type != y->grades[k].type || x->grades[k].score != y->grades[k].score)
                                return false;
        }
        return true;
}

/* The store's errors and warnings are shown; its progress is not (it
 * names temporary files, and the schema's steps). */
static void store_logging(void) {
        log_setup("dgoctl");
        log_set_max_priority(LOG_WARNING);
}

/* Fill the new database TMP from LEGACY through the store. */
static int fill(const char *tmp, const char *legacy, const struct gradebook *expect, char **ret_problem) {
        struct gradebook loaded = { 0 };
        struct store *st = NULL;
        int r;

        /* The legacy file is the seed too: never the sample students. */
        store_logging();
        r = store_open(tmp, legacy, legacy, &st, &loaded);
        if (r < 0)
                return db_problem(ret_problem, r, "the grading store could not build the grade book (%s)", strerror(-r));
        if (!same_book(&loaded, expect))
                r = db_problem(ret_problem, -EBADMSG, "the grading store built a grade book that differs from the file");
        gradebook_free(&loaded);
        store_close(st);
        return r;
}

/* One self-contained file: the rollback journal (no -wal beside it), as
 * `dgoctl backup` makes; the service switches it back to WAL. Then the
 * file is fsync'd. */
static int settle(const char *tmp, char **ret_problem) {
        char *message = NULL, wal[4200];
        sqlite3 *db = NULL;
        int r, fd;

        r = db_open(tmp, SQLITE_OPEN_READWRITE, &db, ret_problem);
        if (r < 0)
                return r;
        if (sqlite3_exec(db, "PRAGMA journal_mode = DELETE", NULL, NULL, &message) != SQLITE_OK) {
                r = db_problem(ret_problem, -EIO, "%s: cannot leave the WAL mode: %s", tmp,
                            message ? message : sqlite3_errmsg(db));
                sqlite3_free(message);
        }
        if (sqlite3_close(db) != SQLITE_OK && r == 0)
                r = db_problem(ret_problem, -EIO, "%s: cannot close it", tmp);
        if (r < 0)
                return r;
        snprintf(wal, sizeof wal, "%s-wal", tmp);
        if (access(wal, F_OK) == 0)
                return db_problem(ret_problem, -EIO, "%s is still there", wal);
        fd = open(tmp, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || fsync(fd) < 0)
                r = db_problem(ret_problem, -errno, "%s: cannot fsync it: %s", tmp, strerror(errno));
        if (fd >= 0)
                close(fd);
        return r;
}

int gb_build(const char *dst, const char *text, size_t len, const struct gradebook *expect,
             const struct stat *like, char **ret_tmp, struct db_summary *ret_sum, char **ret_problem) {
        _cleanup_free_ char *legacy = NULL, *tmp = NULL;
        int fd, r;

        *ret_problem = NULL;
        r = write_legacy(dst, text, len, &legacy, ret_problem);
        if (r < 0)
                return r;
        /* An empty file is a new SQLite database. */
        r = make_temp(dst, "import", &tmp, &fd);
        if (r < 0) {
                remove_with_companions(legacy);
                return db_problem(ret_problem, r, "cannot create a file beside %s: %s", dst, strerror(-r));
        }
        if (like && (fchown(fd, like->st_uid, like->st_gid) < 0 || fchmod(fd, like->st_mode & 07777) < 0))
                r = db_problem(ret_problem, -errno, "cannot give %s the grade book's owner and mode: %s", tmp,
                            strerror(errno));
        close(fd);
        if (r >= 0)
                r = fill(tmp, legacy, expect, ret_problem);
        remove_with_companions(legacy);
        if (r >= 0)
                r = settle(tmp, ret_problem);
        if (r >= 0) {
                r = db_verify(tmp, ret_sum, ret_problem);
                if (r < 0) {
                        char *p = *ret_problem;
                        r = db_problem(ret_problem, r, "the new grade book %s %s", tmp, p ? p : strerror(-r));
                        free(p);
                }
        }
        if (r < 0) {
                remove_with_companions(tmp);
                return r;
        }
        *ret_tmp = TAKE_PTR(tmp);
        return 0;
}

/* ---- into PostgreSQL ---- */

static void store_closep(struct store **st) {
        store_close(*st);
}

/* BOOK in place of the book, in the batch begun on ST: committed, or
 * rolled back (what is known in RET->outcome). */
static int replace_committed(struct store *st, const struct gradebook *book, bool replace, struct gb_pg_result *ret,
                             char **ret_problem) {
        int r = store_begin(st);

        if (r >= 0)
                r = store_replace_book(st, book, replace, &ret->old_students, &ret->old_grades);
        if (r < 0) {
                /* No COMMIT was sent: whatever ROLLBACK answers, and with
                 * the connection gone, the server keeps none of it. */
                (void) store_rollback(st);
                if (r == -ENOTEMPTY)
                        return db_problem(ret_problem, r, "the cluster's grade book holds %zu student%s and %zu "
                                          "grade%s; --replace replaces it", ret->old_students,
                                          ret->old_students == 1 ? "" : "s", ret->old_grades,
                                          ret->old_grades == 1 ? "" : "s");
                return db_problem(ret_problem, r, "the grading store could not replace the book (%s, said above)",
                                  strerror(-r));
        }
        r = store_commit(st);
        if (r < 0) {
                ret->outcome = GB_PG_UNKNOWN;
                return db_problem(ret_problem, r, "the COMMIT failed (said above): whether the book was replaced "
                                  "is unknown: look with dgoctl gradebook export");
        }
        ret->outcome = GB_PG_REPLACED;
        return 0;
}

int gb_build_postgresql(const char *conninfo, const char *password, const struct gradebook *book, bool replace,
                        struct gb_pg_result *ret, char **ret_problem) {
        _cleanup_(store_closep) struct store *st = NULL;
        _cleanup_(gradebook_free) struct gradebook loaded = { 0 };
        int r;

        *ret = (struct gb_pg_result) { .outcome = GB_PG_UNCHANGED };
        *ret_problem = NULL;
        store_logging();
        r = store_connect_postgresql(conninfo, password, &st);
        if (r < 0)
                return db_problem(ret_problem, r == -ENOMEM ? r : -EHOSTUNREACH, "cannot connect to the grade "
                                  "book's database (said above)");
        r = replace_committed(st, book, replace, ret, ret_problem);
        if (r < 0)
                return r;
        r = store_load(st, &loaded);
        if (r < 0)
                return db_problem(ret_problem, r, "the book was replaced, but cannot be read back (said above)");
        gb_summarize(&loaded, &ret->loaded);
        if (!same_book(&loaded, book))
                return db_problem(ret_problem, -EBADMSG, "the book was replaced, but what it reads back differs "
                                  "from the file");
        return 0;
}
