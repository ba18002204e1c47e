/* db_copy.c - see db_copy.h. */
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "basic/atomic_file.h"
#include "basic/macros.h"
#include "db_copy.h"
#include "db_problem.h"
#include "db_verify.h"

/* Pages per sqlite3_backup_step(): 4 MiB at SQLite's default page size. */
#define STEP_PAGES 1024
/* How often a step that found a lock is tried again, 5 ms apart. */
#define BUSY_RETRIES 1000

static int sqlite_error(sqlite3 *db, int rc) {
        int e = sqlite3_system_errno(db);

        if (rc == SQLITE_NOMEM)
                return -ENOMEM;
        if ((rc & 0xff) == SQLITE_FULL)
                return -ENOSPC;
        return e > 0 ? -e : -EIO;
}

static int exec(sqlite3 *db, const char *sql, const char *path, char **ret_problem) {
        int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);

        if (rc == SQLITE_OK)
                return 0;
        return db_problem(ret_problem, sqlite_error(db, rc), "%s: %s: %s", path, sql, sqlite3_errmsg(db));
}

/* The pages of SRC into DST in steps, all from the read transaction the
 * caller holds on SRC (sqlite3_backup_step() uses an open one and keeps it
 * open; without it, each step would take a new snapshot and restart the
 * copy whenever the service had committed meanwhile). */
static int copy_pages(sqlite3 *src, sqlite3 *dst, const char *src_path, const char *dst_path, char **ret_problem) {
        sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
        int rc, busy = 0, r;

        if (!b)
                return db_problem(ret_problem, sqlite_error(dst, sqlite3_errcode(dst)), "%s: cannot start the copy: %s",
                           dst_path, sqlite3_errmsg(dst));
        for (;;) {
                rc = sqlite3_backup_step(b, STEP_PAGES);
                if (rc == SQLITE_OK)
                        continue;
                if ((rc == SQLITE_BUSY || rc == SQLITE_LOCKED) && busy++ < BUSY_RETRIES) {
                        sqlite3_sleep(5);
                        continue;
                }
                break;
        }
        sqlite3_backup_finish(b);
        if (rc == SQLITE_DONE)
                return 0;
        /* The error is the destination's (a full disk) or the source's. */
        r = sqlite3_errcode(dst) != SQLITE_OK ? sqlite_error(dst, rc) : sqlite_error(src, rc);
        return db_problem(ret_problem, r, "copying %s to %s: %s", src_path, dst_path,
                   sqlite3_errcode(dst) != SQLITE_OK ? sqlite3_errmsg(dst) : sqlite3_errstr(rc));
}

DEFINE_POINTER_CLEANUP(sqlite3 *, sqlite3_close)

/* The pages of SRC into DST (TMP), a new file. */
static int fill(sqlite3 *src, sqlite3 *dst, const char *src_path, const char *tmp, char **ret_problem) {
        int r;

        /* A new file that is removed on failure needs no journal; it is
         * fsync'd once at the end. */
        r = exec(dst, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF", tmp, ret_problem);
        if (r < 0)
                return r;
        r = copy_pages(src, dst, src_path, tmp, ret_problem);
        if (r < 0)
                return r;
        /* The copied header says WAL if the source is in WAL mode. */
        return exec(dst, "PRAGMA journal_mode = DELETE", tmp, ret_problem);
}

/* The database SRC_PATH into the empty file TMP. */
static int copy_into(const char *src_path, const char *tmp, char **ret_problem) {
        _cleanup_(sqlite3_closep) sqlite3 *src = NULL;  /* closing it ends the read transaction */
        _cleanup_free_ char *why = NULL;
        sqlite3 *dst = NULL;
        int r;

        r = db_open(src_path, SQLITE_OPEN_READONLY, &src, &why);
        if (r < 0)
                return db_problem(ret_problem, r, "%s %s", src_path, why ? why : strerror(-r));
        /* Deferred BEGIN takes its snapshot at the first read. */
        if (sqlite3_exec(src, "BEGIN; SELECT count(*) FROM sqlite_master", NULL, NULL, NULL) != SQLITE_OK)
                return db_problem(ret_problem, sqlite_error(src, sqlite3_errcode(src)), "%s cannot be read: %s",
                                  src_path, sqlite3_errmsg(src));
        r = db_open(tmp, SQLITE_OPEN_READWRITE, &dst, &why);
        if (r < 0)
                r = db_problem(ret_problem, r, "%s %s", tmp, why ? why : strerror(-r));
        else
                r = fill(src, dst, src_path, tmp, ret_problem);
        /* Its close writes what is left: a failure there is the copy's. */
        if (dst && sqlite3_close(dst) != SQLITE_OK && r >= 0)
                r = db_problem(ret_problem, -EIO, "%s: cannot be closed: %s", tmp, sqlite3_errmsg(dst));
        return r;
}

int db_copy_to_temp(const char *src, const char *dst, const struct stat *like, char **ret_tmp, char **ret_problem) {
        char *tmp = NULL;
        int fd, r = 0;

        *ret_problem = NULL;
        if (asprintf(&tmp, "%s.tmp-XXXXXX", dst) < 0)
                return -ENOMEM;
        fd = mkostemp(tmp, O_CLOEXEC);          /* mode 0600 */
        if (fd < 0) {
                r = db_problem(ret_problem, -errno, "cannot create a temporary file beside %s: %s", dst, strerror(errno));
                free(tmp);
                return r;
        }
        /* Owner and mode before the first byte: the grade book is never
         * readable by anyone else, not even for a moment. */
        if (like && (fchown(fd, like->st_uid, like->st_gid) < 0 || fchmod(fd, like->st_mode & 07777) < 0))
                r = db_problem(ret_problem, -errno, "%s: cannot give it the owner and mode of the old grade book: %s", tmp,
                        strerror(errno));
        if (r >= 0)
                r = copy_into(src, tmp, ret_problem);
        if (r >= 0 && fsync(fd) < 0)
                r = db_problem(ret_problem, -errno, "%s: fsync: %s", tmp, strerror(errno));
        /* SQLite's locks on TMP are gone with its connection: closing our
         * descriptor only now releases nothing it still holds. */
        if (close(fd) < 0 && r >= 0)
                r = db_problem(ret_problem, -errno, "%s: close: %s", tmp, strerror(errno));
        if (r < 0) {
                unlink(tmp);
                free(tmp);
                return r;
        }
        *ret_tmp = tmp;
        return 0;
}

int db_install(const char *tmp, const char *dst, bool replace) {
        if (replace) {
                if (rename(tmp, dst) < 0)
                        return -errno;
        } else if (renameat2(AT_FDCWD, tmp, AT_FDCWD, dst, RENAME_NOREPLACE) < 0) {
                if (errno != EINVAL && errno != ENOSYS)
                        return -errno;
                /* A file system without RENAME_NOREPLACE: link() does not
                 * replace either. */
                if (link(tmp, dst) < 0)
                        return -errno;
                unlink(tmp);
        }
        return fsync_directory_of(dst);
}
