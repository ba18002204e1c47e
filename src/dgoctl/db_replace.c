/* db_replace.c - see db_replace.h. */
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "basic/atomic_file.h"
#include "basic/macros.h"
#include "db_copy.h"
#include "db_problem.h"
#include "db_replace.h"
#include "db_verify.h"

static int unlink_if_there(const char *path) {
        return unlink(path) < 0 && errno != ENOENT ? -errno : 0;
}

/* 1 if moved, 0 if FROM was not there, -errno. */
static int rename_if_there(const char *from, const char *to) {
        if (rename(from, to) == 0)
                return 1;
        return errno == ENOENT ? 0 : -errno;
}

struct names {
        char *before, *before_wal, *before_shm, *link_tmp, *wal, *shm;
};

static void names_free(struct names *n) {
        free(n->before);
        free(n->before_wal);
        free(n->before_shm);
        free(n->link_tmp);
        free(n->wal);
        free(n->shm);
}

/* DB with SUFFIX; NULL when out of memory. */
static char *name_of(const char *db, const char *suffix) {
        char *s;

        return asprintf(&s, "%s%s", db, suffix) < 0 ? NULL : s;
}

/* The names beside DB; on -ENOMEM some may be NULL (names_free() them all). */
static int names_make(const char *db, struct names *n) {
        *n = (struct names) {
                .before = name_of(db, DB_BEFORE_RESTORE_SUFFIX),
                .before_wal = name_of(db, DB_BEFORE_RESTORE_SUFFIX "-wal"),
                .before_shm = name_of(db, DB_BEFORE_RESTORE_SUFFIX "-shm"),
                .link_tmp = name_of(db, DB_BEFORE_RESTORE_SUFFIX ".new"),
                .wal = name_of(db, "-wal"),
                .shm = name_of(db, "-shm"),
        };
        return n->before && n->before_wal && n->before_shm && n->link_tmp && n->wal && n->shm ? 0 : -ENOMEM;
}

/* Step 1: the grades a killed service left in the -wal go into DB itself
 * (a checkpoint; the connection's close removes the -wal and -shm), so the
 * old book is whole in one file. Best effort: a damaged book may not
 * open, and then its -wal moves along with it in step 4. */
static void fold_wal(const char *db, const char *wal) {
        sqlite3 *h = NULL;
        char *why = NULL;

        if (access(wal, F_OK) < 0)
                return;
        if (db_open(db, SQLITE_OPEN_READWRITE, &h, &why) >= 0)
                (void) sqlite3_exec(h, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
        sqlite3_close(h);
        free(why);
}

/* Steps 2 and 3: DB.before-restore is the old book, alone. */
static int keep_old(const char *db, const struct names *n, char **ret_problem) {
        int r;

        r = unlink_if_there(n->before_wal);
        if (r >= 0)
                r = unlink_if_there(n->before_shm);
        if (r < 0)
                return db_problem(ret_problem, r, "cannot remove the -wal or -shm of %s: %s", n->before, strerror(-r));
        /* A link under a name of our own, renamed over the old
         * DB.before-restore: at no moment is there none. */
        r = unlink_if_there(n->link_tmp);
        if (r >= 0 && link(db, n->link_tmp) < 0)
                r = -errno;
        if (r < 0)
                return db_problem(ret_problem, r, "cannot link %s to %s: %s", db, n->link_tmp, strerror(-r));
        if (rename(n->link_tmp, n->before) < 0) {
                r = -errno;
                unlink(n->link_tmp);
                return db_problem(ret_problem, r, "cannot rename %s to %s: %s", n->link_tmp, n->before, strerror(-r));
        }
        return 0;
}

/* Steps 4b and 5: no -shm or -wal of anyone's left beside DB, then
 * NEW_PATH renamed over DB. */
static int put_in_place(const char *db, const char *new_path, const struct names *n, char **ret_problem) {
        int r;

        r = unlink_if_there(n->shm);
        if (r < 0)
                return db_problem(ret_problem, r, "cannot remove %s: %s", n->shm, strerror(-r));
        r = unlink_if_there(n->wal);    /* only without an old book: nothing of its */
        if (r < 0)
                return db_problem(ret_problem, r, "cannot remove %s: %s", n->wal, strerror(-r));
        r = fsync_directory_of(db);
        if (r < 0)
                return db_problem(ret_problem, r, "cannot fsync the directory of %s: %s", db, strerror(-r));
        if (rename(new_path, db) < 0)
                return db_problem(ret_problem, -errno, "cannot rename %s to %s: %s", new_path, db, strerror(errno));
        return 0;
}

int db_replace(const char *db, const char *new_path, bool *ret_had_old, char **ret_problem) {
        _cleanup_(names_free) struct names n = { 0 };
        int r, moved = 0;

        *ret_problem = NULL;
        *ret_had_old = access(db, F_OK) == 0;
        if (names_make(db, &n) < 0)
                return -ENOMEM;
        if (*ret_had_old) {
                fold_wal(db, n.wal);
                r = keep_old(db, &n, ret_problem);
                if (r < 0)
                        return r;
                /* Step 4. */
                moved = rename_if_there(n.wal, n.before_wal);
                if (moved < 0)
                        return db_problem(ret_problem, moved, "cannot move %s to %s: %s", n.wal, n.before_wal,
                                          strerror(-moved));
        }
        r = put_in_place(db, new_path, &n, ret_problem);
        if (r < 0) {
                if (moved > 0)          /* the old book's -wal back beside it */
                        (void) rename(n.before_wal, n.wal);
                return r;
        }
        r = fsync_directory_of(db);
        if (r < 0)      /* the new book is in place; only its durability is in doubt */
                return db_problem(ret_problem, r, "%s is replaced, but its directory could not be fsync'd: %s", db,
                                  strerror(-r));
        return 0;
}
