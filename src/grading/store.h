/* store.h - the grade book on disk: one SQLite database.
 *
 * WAL mode with synchronous=FULL: a commit returns once its WAL frames are
 * fsynced, so every acknowledged change survives a crash or a power cut.
 * The schema is versioned with PRAGMA user_version and migrated forward in
 * code (store_schema.c); a database newer than this program is refused.
 *
 * A new database is filled in the same transaction that creates its schema:
 * from the JSON file of an earlier dgo (LEGACY, renamed to LEGACY.imported
 * once committed), or else from the sample students (SEED). So a database
 * with a schema always holds a whole grade book.
 *
 * Changes are made in batches (group commit, writer.c): store_begin(), any
 * number of store_add_*() / store_remove_grade(), then store_commit() or
 * store_rollback(). One thread at a time. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "dgo/gradebook.h"

struct store;

/* Open or create the database at PATH and load all of it into GB (sorted by
 * ID). Any failure is logged and returned: the caller must not serve. */
int store_open(const char *path, const char *legacy, const char *seed, struct store **ret, struct gradebook *gb);
void store_close(struct store *st);

/* Read the whole book from the database into GB. */
int store_load(struct store *st, struct gradebook *gb);

/* Errors of the calls below: -EIO for the database's own failures (logged,
 * the batch must be rolled back); -ENOSPC, -ENOENT for a change refused by
 * the book's rules (nothing done; the batch goes on). */
int store_begin(struct store *st);
/* Append G to student STUDENT's grades; -ENOSPC past GB_GRADES_MAX. */
int store_add_grade(struct store *st, long student, const struct grade *g);
/* Remove the INDEXth (0-based) of STUDENT's grades; -ENOENT if none. */
int store_remove_grade(struct store *st, long student, size_t index);
/* Add a student with the next ID (the highest so far + 1); -ENOSPC past GB_STUDENTS_MAX. */
int store_add_student(struct store *st, const char *first_name, const char *last_name, long *ret_id);
/* < 0: the outcome is unknown (the disk failed while committing): the
 * caller cannot know what the database holds. */
int store_commit(struct store *st);
/* < 0: the rollback failed, and so what the database holds is unknown. */
int store_rollback(struct store *st);

/* The writer has nothing queued: a moment to start the WAL over. */
void store_idle(struct store *st);

/* The schema version this program writes. */
#define STORE_SCHEMA_VERSION 1
