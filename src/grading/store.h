/* store.h - the grade book on disk: an interface, two backends.
 *
 * SQLite (store_sqlite.c, the default: one host): one database file in WAL
 * mode with synchronous=FULL: a commit returns once its WAL frames are
 * fsynced, so every acknowledged change survives a crash or a power cut.
 * The schema is versioned with PRAGMA user_version.
 *
 * PostgreSQL (store_pg.c, several hosts: one book for every replica): over
 * libpq, with the server's own synchronous_commit (never lowered here): a
 * commit returns once the server says it is durable as configured (locally
 * flushed, or also on a quorum of synchronous standbys). The schema version
 * is the one row of the table dgo_schema.
 *
 * Both migrate forward in code (store_schema.c); a book newer than this
 * program is refused. A new book is filled in the same transaction that
 * creates its schema: from the JSON file of an earlier dgo (LEGACY, renamed
 * to LEGACY.imported once committed), or else from the sample students
 * (SEED). So a book with a schema always holds a whole grade book.
 *
 * Changes are made in batches (group commit, writer.c): store_begin(), any
 * number of store_add_*() / store_remove_grade(), then store_commit() or
 * store_rollback(). One thread at a time. The calls dispatch to the
 * backend's ops (store_backend.h). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "dgo/gradebook.h"

struct store;

/* Open or create the SQLite database at PATH and load all of it into GB
 * (sorted by ID). Any failure is logged and returned: the caller must not
 * serve. */
int store_open(const char *path, const char *legacy, const char *seed, struct store **ret, struct gradebook *gb);
/* The same with the PostgreSQL database CONNINFO names (a libpq connection
 * string; PASSWORD, if not NULL, overrides any in it). Several processes
 * may open one database at once, and first starts too: one of them
 * creates and fills the book, the others wait for it and load it. */
int store_open_postgresql(const char *conninfo, const char *password, const char *legacy, const char *seed,
                          struct store **ret, struct gradebook *gb);
/* Only connect to the PostgreSQL database CONNINFO names: no schema is
 * made, nothing is loaded (for store_replace_book()). */
int store_connect_postgresql(const char *conninfo, const char *password, struct store **ret);
void store_close(struct store *st);

/* Read the whole book from the database into GB. */
int store_load(struct store *st, struct gradebook *gb);

/* A book that other processes write too (PostgreSQL: the other grading
 * replicas): every change of a committed transaction is announced on the
 * channel STORE_CHANNEL, the payload the student's ID ("42"), to whoever
 * LISTENs (follower.h). */
#define STORE_CHANNEL "dgo_book"
/* The payload that names every student: the book was replaced whole. */
#define STORE_BOOK_ALL "*"
#define STORE_READ_IDS_MAX 256
/* The students IDS (N of them, 1 to STORE_READ_IDS_MAX; those that exist)
 * as the database holds them now, into GB (sorted by ID), outside any
 * batch. -EOPNOTSUPP for SQLite (no other writer), -EIO. */
int store_read_students(struct store *st, const long *ids, size_t n, struct gradebook *gb);
/* Whether other processes write the book too (PostgreSQL): the book in
 * memory can then always be made right by reading the database again. */
bool store_shared(const struct store *st);

/* Errors of the calls below: -EIO for the database's own failures (logged,
 * the batch must be rolled back); -ENOSPC, -ENOENT for a change refused by
 * the book's rules (nothing done; the batch goes on). */
int store_begin(struct store *st);
/* First in a batch, after store_begin(): the locks its changes will take,
 * taken in one order that every writer follows, so that two writers'
 * batches wait for each other rather than deadlock (which PostgreSQL would
 * break only after a second, failing one of them): the lock for new IDs
 * first if ADDS_STUDENTS, then the rows of STUDENTS (N of them, ascending,
 * none twice) in that order. Nothing for SQLite, which one writer writes. */
int store_lock_batch(struct store *st, const long *students, size_t n, bool adds_students);
/* Append G to student STUDENT's grades; -ENOSPC past GB_GRADES_MAX. */
int store_add_grade(struct store *st, long student, const struct grade *g);
/* Whether the INDEXth (0-based) of STUDENT's grades is EXPECTED (title,
 * type, score): 0; -ESTALE when it is another (another replica changed the
 * student since this one's memory showed it), -ENOENT when there is none.
 * Always 0 for SQLite, which no other process writes. */
int store_grade_is(struct store *st, long student, size_t index, const struct grade *expected);
/* Remove the INDEXth (0-based) of STUDENT's grades; -ENOENT if none. */
int store_remove_grade(struct store *st, long student, size_t index);
/* Add a student with the next ID (the highest so far + 1); -ENOSPC past
 * GB_STUDENTS_MAX. With PostgreSQL, two writers never get one ID. */
int store_add_student(struct store *st, const char *first_name, const char *last_name, long *ret_id);
/* < 0: the outcome is unknown (the disk failed while committing; with
 * PostgreSQL also: the connection was lost before the COMMIT's answer came,
 * or the wait for the synchronous standbys was cancelled): the caller
 * cannot know what the database holds. */
int store_commit(struct store *st);
/* < 0: the rollback failed, and so what the database holds is unknown. */
int store_rollback(struct store *st);

/* In a batch, and alone in it: make GB (its IDs kept) the whole book, as
 * `dgoctl gradebook import` into a book the grading replicas serve. The
 * schema is made first if there is none, under the lock a first start
 * takes. A book that holds students is replaced only if REPLACE: else
 * -ENOTEMPTY, nothing done. Either way, *RET_STUDENTS and *RET_GRADES are
 * what the book held. Announced as STORE_BOOK_ALL once committed. Then
 * store_commit() (or store_rollback() after any failure). -EOPNOTSUPP for
 * SQLite (its import builds a new file: dgoctl's gb_build.h); -EIO;
 * -EPROTONOSUPPORT for a book of a newer schema. */
int store_replace_book(struct store *st, const struct gradebook *gb, bool replace, size_t *ret_students,
                       size_t *ret_grades);

/* The writer has nothing queued: a moment to start the WAL over (SQLite). */
void store_idle(struct store *st);

/* The schema version this program writes. */
#define STORE_SCHEMA_VERSION 1
