/* store_backend.h - what a grade book store is made of, for store.c and
 * its backends (store_sqlite.c, store_pg.c) alone.
 *
 * A backend's own struct begins with a struct store, whose ops say how to
 * do each call of store.h; store.c dispatches. What both backends share is
 * here too: reading a JSON book to fill a new one, and checking the rows of
 * a book as it is loaded. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "dgo/gradebook.h"
#include "store.h"

struct store_ops {
        const char *name;                       /* "SQLite", "PostgreSQL" */
        int (*load)(struct store *st, struct gradebook *gb);
        int (*begin)(struct store *st);
        /* store_lock_batch(); NULL: nothing to lock (one writer). */
        int (*lock_batch)(struct store *st, const long *students, size_t n, bool adds_students);
        int (*add_grade)(struct store *st, long student, const struct grade *g);
        int (*remove_grade)(struct store *st, long student, size_t index);
        int (*add_student)(struct store *st, const char *first_name, const char *last_name, long *ret_id);
        int (*commit)(struct store *st);
        int (*rollback)(struct store *st);
        void (*idle)(struct store *st);         /* may be NULL */
        void (*close)(struct store *st);
        /* Insert the whole of GB (with its IDs) in the open transaction. */
        int (*insert_book)(struct store *st, const struct gradebook *gb);
        /* The students IDS as they are now (store_read_students()); NULL
         * for a backend that only this process writes. */
        int (*read_students)(struct store *st, const long *ids, size_t n, struct gradebook *gb);
        /* store_grade_is(); NULL: always 0 (memory is the book). */
        int (*grade_is)(struct store *st, long student, size_t index, const struct grade *expected);
        /* store_replace_book(); NULL: -EOPNOTSUPP. */
        int (*replace_book)(struct store *st, const struct gradebook *gb, bool replace, size_t *ret_students,
                            size_t *ret_grades);
};

struct store {
        const struct store_ops *ops;
        char *where;                            /* for messages: a path, or "PostgreSQL (host, db)" */
};

/* A new book's first content, in the transaction that made its schema:
 * LEGACY if it exists (*IMPORTED set), else SEED; through ops->insert_book. */
int store_fill_new(struct store *st, const char *legacy, const char *seed, bool *imported);
/* After the commit of a book imported from LEGACY: rename it LEGACY.imported. */
void store_set_legacy_aside(const char *legacy);

/* Loading: a student's row, in the order of their IDs, into GB; -EBADMSG
 * (logged) when not valid. */
int store_load_student(struct store *st, struct gradebook *gb, long long id, const char *first, const char *last);
/* A grade's row, in the order of the grades' IDs, onto its student's
 * (*LAST: the student of the row before, to skip a search); -EBADMSG
 * (logged) when the student is unknown, the grade not valid, or the
 * student's grades too many. */
int store_load_grade(struct store *st, struct gradebook *gb, struct student **last, long id, const char *title,
                     const char *type, double score);

/* Show systemd progress while a large book is imported (every 500 students). */
void store_import_progress(size_t done, size_t total);
