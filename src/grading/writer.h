/* writer.h - group commit: the grade book's changes, written in batches.
 *
 * Request handlers (in any serving thread) validate a change and submit it;
 * one writer thread takes everything submitted since its last commit as one
 * batch: one transaction, one fsync. Only once that commit has succeeded
 * does it apply the batch to the book in memory (ops->apply) and answer each
 * change (ops->answer). So the commit's fsync is waited for by the changes
 * alone: reads are served meanwhile, from the book as it was.
 *
 * When the database fails, each change learns what is true of it:
 *  - a batch that could not be written and was rolled back: NOT_STORED;
 *  - a commit that failed (its WAL frames may or may not be on disk), or a
 *    rollback that failed: UNKNOWN.
 * After UNKNOWN, or when the book in memory could not take a committed batch
 * (or another writer's changes), memory and disk may differ:
 *  - a book only this process writes (SQLite): the writer takes no more
 *    changes and ends the main loop with -EIO, so that systemd restarts the
 *    service from the disk (a matter of milliseconds);
 *  - a shared book (PostgreSQL, store_shared()): the process goes on
 *    serving reads from memory, and the writer reads the whole book again
 *    (every 500 ms until it can: a failover takes seconds, and a restarted
 *    service could serve nothing until the new primary is there). Until
 *    then each change submitted is answered NOT_STORED, never tried. */
#pragma once

#include <stdbool.h>
#include <systemd/sd-event.h>

#include "dgo/gradebook.h"
#include "store.h"

/* CHANGE_REFRESH is no change of ours: other writers of the book changed
 * these students (follower.h). After the batch's commit the writer reads
 * them as the database holds them into FRESH, for ops->apply. */
enum change_kind { CHANGE_ADD_GRADE, CHANGE_REMOVE_GRADE, CHANGE_ADD_STUDENT, CHANGE_REFRESH };

enum change_outcome {
        CHANGE_STORED,
        CHANGE_REFUSED,         /* by the book's rules: error says why (-ENOSPC, -ENOENT, and
                                 * -ESTALE: the grade to remove changed meanwhile) */
        CHANGE_NOT_STORED,      /* the database failed; the batch was rolled back */
        CHANGE_UNKNOWN,         /* the database failed while committing */
};

struct change {
        enum change_kind kind;
        long student;                   /* ADD_STUDENT: the new student's ID, once stored */
        size_t index;                   /* REMOVE_GRADE: 0-based */
        struct grade grade;             /* ADD_GRADE; REMOVE_GRADE: the grade as memory had it
                                         * (title NULL: not checked); owns its title */
        char *first_name, *last_name;   /* ADD_STUDENT */
        long *ids;                      /* REFRESH: up to STORE_READ_IDS_MAX students; none: all */
        size_t n_ids;
        struct gradebook fresh;         /* REFRESH: they, read after the commit */
        void *request;                  /* whom to answer (NULL: REFRESH) */
        void *grading;                  /* the service's, for the answer */
        enum change_outcome outcome;
        int error;
        struct change *next;
};

void change_free(struct change *c);

struct writer_ops {
        /* In the writer thread, after a commit: apply the STORED changes of
         * BATCH to the book in memory, the REFRESHes last (what they read is
         * newer than every change of the batch). < 0: memory cannot follow
         * the disk. */
        int (*apply)(struct change *batch, void *userdata);
        /* In the writer thread: answer C (and free it). */
        void (*answer)(struct change *c, void *userdata);
};

struct writer;

/* A writer of ST (the writer thread uses it alone from now on); on a fatal
 * failure it ends MAIN_LOOP with -EIO. */
int writer_start(struct store *st, sd_event *main_loop, const struct writer_ops *ops, void *userdata,
                 struct writer **ret);
/* Queue C. False when the writer takes no more changes (it is stopping, or
 * failed): C is the caller's still, and nothing was stored. */
bool writer_submit(struct writer *w, struct change *c);
/* Queue a REFRESH of the students IDS (N up to STORE_READ_IDS_MAX; 0: the
 * whole book), in the order of the changes (any thread). False when out of
 * memory or the writer takes no more. */
bool writer_refresh(struct writer *w, const long *ids, size_t n);
/* Commit and answer what is queued, then end the thread. */
void writer_stop(struct writer *w);
unsigned long long writer_commits(struct writer *w);
