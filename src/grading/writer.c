/* writer.c - see writer.h. */
#include "writer.h"

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "basic/log.h"

/* A batch is at most this many changes, so that none waits behind an
 * unbounded one; 50 clients' POSTs fit in one. */
#define BATCH_MAX 512
/* How soon a writer whose book in memory may differ from a shared database
 * tries again to read it (a failover takes seconds; each try is logged). */
#define RESYNC_RETRY_NSEC (500 * 1000 * 1000L)

struct writer {
        struct store *store;
        const struct writer_ops *ops;
        void *userdata;
        pthread_t thread;
        pthread_mutex_t lock;
        pthread_cond_t wake;
        struct change *head, **tail;    /* submitted, in order */
        bool stopping, failed;
        /* The writer thread's own: memory may differ from a shared database
         * (store_shared()); the whole book is read again before any write. */
        bool resync;
        atomic_ullong commits;
        /* A fatal failure ends the main loop: through an eventfd, since
         * sd-event is not to be touched from another thread. */
        sd_event *main_loop;
        sd_event_source *fatal_io;
        int fatal_fd;
};

void change_free(struct change *c) {
        if (!c)
                return;
        free(c->grade.title);
        free(c->first_name);
        free(c->last_name);
        free(c->ids);
        gradebook_free(&c->fresh);
        free(c);
}

bool writer_refresh(struct writer *w, const long *ids, size_t n) {
        struct change *c = calloc(1, sizeof *c);

        assert(n <= STORE_READ_IDS_MAX && (n == 0 || ids));
        if (!c || (n > 0 && !(c->ids = malloc(n * sizeof *ids)))) {
                free(c);
                return false;
        }
        if (n > 0)
                memcpy(c->ids, ids, n * sizeof *ids);
        c->kind = CHANGE_REFRESH;
        c->n_ids = n;
        if (!writer_submit(w, c)) {
                change_free(c);
                return false;
        }
        return true;
}

bool writer_submit(struct writer *w, struct change *c) {
        bool taken;

        c->next = NULL;
        c->outcome = CHANGE_NOT_STORED;         /* until tried and committed */
        pthread_mutex_lock(&w->lock);
        taken = !w->stopping && !w->failed;
        if (taken) {
                *w->tail = c;
                w->tail = &c->next;
                pthread_cond_signal(&w->wake);
        }
        pthread_mutex_unlock(&w->lock);
        return taken;
}

/* Wait for changes; NULL once stopping with nothing left. */
static struct change *take_batch(struct writer *w) {
        struct change *batch, *c;
        size_t n = 1;

        pthread_mutex_lock(&w->lock);
        while (!w->head && !w->stopping)
                pthread_cond_wait(&w->wake, &w->lock);
        batch = w->head;
        for (c = batch; c && c->next && n < BATCH_MAX; c = c->next)
                n++;
        if (c) {
                w->head = c->next;
                c->next = NULL;
                if (!w->head)
                        w->tail = &w->head;
        }
        pthread_mutex_unlock(&w->lock);
        return batch;
}

/* Make C in the open transaction; -EIO when the database failed. */
static int store_change(struct store *st, struct change *c) {
        int r;

        switch (c->kind) {
        case CHANGE_ADD_GRADE:
                r = store_add_grade(st, c->student, &c->grade);
                break;
        case CHANGE_REMOVE_GRADE:
                /* Still the grade the client saw? (Another replica may have
                 * changed the student meanwhile.) */
                r = c->grade.title ? store_grade_is(st, c->student, c->index, &c->grade) : 0;
                if (r >= 0)
                        r = store_remove_grade(st, c->student, c->index);
                break;
        case CHANGE_ADD_STUDENT:
                r = store_add_student(st, c->first_name, c->last_name, &c->student);
                break;
        case CHANGE_REFRESH:
                r = 0;                  /* read after the commit (read_refreshes()) */
                break;
        default:
                assert(!"unknown change");
                r = -EINVAL;
        }
        c->outcome = r >= 0 ? CHANGE_STORED : r == -EIO ? CHANGE_NOT_STORED : CHANGE_REFUSED;
        c->error = r < 0 ? r : 0;
        return r == -EIO ? r : 0;
}

static int compare_ids(const void *a, const void *b) {
        long x = *(const long *) a, y = *(const long *) b;

        return (x > y) - (x < y);
}

/* The locks BATCH's changes will take, in the order every writer of a
 * shared book follows (store_lock_batch()); -EIO (or -ENOMEM): nothing of
 * the batch is to be stored. */
static int lock_batch(struct store *st, const struct change *batch) {
        long ids[BATCH_MAX];
        size_t n = 0, kept = 0;
        bool adds = false;

        for (const struct change *c = batch; c; c = c->next) {
                if (c->kind == CHANGE_ADD_STUDENT)
                        adds = true;
                else if (c->kind == CHANGE_ADD_GRADE || c->kind == CHANGE_REMOVE_GRADE)
                        ids[n++] = c->student;
        }
        qsort(ids, n, sizeof *ids, compare_ids);
        for (size_t i = 0; i < n; i++)
                if (kept == 0 || ids[kept - 1] != ids[i])
                        ids[kept++] = ids[i];
        return store_lock_batch(st, ids, kept, adds);
}

/* Every change of BATCH that the database was to store: TO. */
static void set_outcome(struct change *batch, enum change_outcome to) {
        for (struct change *c = batch; c; c = c->next)
                if (c->outcome != CHANGE_REFUSED)
                        c->outcome = to;
}

/* The students the REFRESHes of BATCH name, as the database holds them
 * now; -EIO when they cannot be read (then memory cannot follow). */
static int read_refreshes(struct writer *w, struct change *batch) {
        for (struct change *c = batch; c; c = c->next) {
                if (c->kind != CHANGE_REFRESH)
                        continue;
                int r = c->n_ids == 0 ? store_load(w->store, &c->fresh) :
                        store_read_students(w->store, c->ids, c->n_ids, &c->fresh);
                if (r < 0)
                        return log_error_errno(r, "Cannot read %s another writer changed",
                                               c->n_ids == 0 ? "the book" : "the students");
        }
        return 0;
}

static bool only_refreshes(const struct change *batch) {
        for (const struct change *c = batch; c; c = c->next)
                if (c->kind != CHANGE_REFRESH)
                        return false;
        return true;
}

/* One transaction for BATCH; false when memory and disk may now differ. */
static bool write_batch(struct writer *w, struct change *batch) {
        int r;

        if (only_refreshes(batch)) {
                set_outcome(batch, CHANGE_STORED);
                if (read_refreshes(w, batch) < 0 || w->ops->apply(batch, w->userdata) < 0) {
                        log_error("The grade book in memory cannot follow the other writers': restarting from "
                                  "the database");
                        return false;
                }
                return true;
        }
        r = store_begin(w->store);
        if (r >= 0)
                r = lock_batch(w->store, batch);
        for (struct change *c = batch; r >= 0 && c; c = c->next)
                r = store_change(w->store, c);
        if (r < 0) {
                /* Nothing of the batch is stored, once rolled back. */
                if (store_rollback(w->store) >= 0) {
                        set_outcome(batch, CHANGE_NOT_STORED);
                        return true;
                }
                log_error("The grade book's rollback failed: what is on disk is unknown");
                set_outcome(batch, CHANGE_UNKNOWN);
                return false;
        }
        if (store_commit(w->store) < 0) {
                log_error("The grade book's commit failed: whether the batch's changes are on disk is unknown");
                set_outcome(batch, CHANGE_UNKNOWN);
                return false;
        }
        atomic_fetch_add_explicit(&w->commits, 1, memory_order_relaxed);
        if (read_refreshes(w, batch) < 0 || w->ops->apply(batch, w->userdata) < 0) {
                log_error("The grade book in memory cannot take a committed change: restarting from the disk");
                return false;           /* stored all the same: their answers say so */
        }
        return true;
}

static void fail(struct writer *w) {
        uint64_t one = 1;

        pthread_mutex_lock(&w->lock);
        w->failed = true;
        pthread_mutex_unlock(&w->lock);
        if (write(w->fatal_fd, &one, sizeof one) < 0)
                log_error_errno(-errno, "Cannot wake the main loop; exiting");
}

/* Read the whole book of a shared database into memory again (as a
 * REFRESH of every student); false when it cannot be read now. */
static bool resync(struct writer *w) {
        struct change *c = calloc(1, sizeof *c);
        bool ok;

        if (!c)
                return false;
        c->kind = CHANGE_REFRESH;
        ok = write_batch(w, c);
        w->ops->answer(c, w->userdata);
        if (ok) {
                w->resync = false;
                log_info("The grade book in memory is the database's again: taking changes");
        }
        return ok;
}

/* While memory cannot be made right: what was submitted meanwhile is
 * answered NOT_STORED (never tried), then a pause of RESYNC_RETRY_NSEC;
 * false once stopping. */
static bool refuse_and_pause(struct writer *w) {
        struct timespec until;
        struct change *batch;
        bool stopping;

        pthread_mutex_lock(&w->lock);
        batch = w->head;
        w->head = NULL;
        w->tail = &w->head;
        pthread_mutex_unlock(&w->lock);
        while (batch) {
                struct change *next = batch->next;
                batch->outcome = CHANGE_NOT_STORED;
                w->ops->answer(batch, w->userdata);
                batch = next;
        }
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_nsec += RESYNC_RETRY_NSEC;
        if (until.tv_nsec >= 1000000000L) {
                until.tv_sec++;
                until.tv_nsec -= 1000000000L;
        }
        pthread_mutex_lock(&w->lock);
        while (!w->stopping && pthread_cond_timedwait(&w->wake, &w->lock, &until) != ETIMEDOUT)
                ;
        stopping = w->stopping;
        pthread_mutex_unlock(&w->lock);
        return !stopping;
}

/* Memory and the database may differ now. A shared database is read again
 * (resync()) while this process goes on serving reads; a book only this
 * process writes is loaded again by a new process (fail()). */
static void lost_track(struct writer *w) {
        if (!store_shared(w->store)) {
                fail(w);
                return;
        }
        log_warning("The grade book in memory may differ from the database: reading it again before any change");
        w->resync = true;
}

static void *writer_main(void *userdata) {
        struct writer *w = userdata;
        struct change *batch;

        for (;;) {
                bool failed;

                if (w->resync && !resync(w)) {
                        if (!refuse_and_pause(w))
                                break;
                        continue;
                }
                if (!(batch = take_batch(w)))
                        break;
                pthread_mutex_lock(&w->lock);
                failed = w->failed;
                pthread_mutex_unlock(&w->lock);
                if (!failed && !write_batch(w, batch))  /* after a failure: never tried */
                        lost_track(w);
                while (batch) {
                        struct change *next = batch->next;
                        w->ops->answer(batch, w->userdata);
                        batch = next;
                }
                pthread_mutex_lock(&w->lock);
                bool idle = !w->head && !w->failed;
                pthread_mutex_unlock(&w->lock);
                if (idle && !w->resync)
                        store_idle(w->store);
        }
        /* Stopping while memory could not be made right: nothing more is tried. */
        (void) refuse_and_pause(w);
        return NULL;
}

static int on_fatal(sd_event_source *src, int fd, uint32_t revents, void *userdata) {
        struct writer *w = userdata;

        log_error("Stopping: the grade book in memory may differ from the disk");
        return sd_event_exit(w->main_loop, -EIO);
}

static void writer_free(struct writer *w) {
        sd_event_source_disable_unref(w->fatal_io);
        if (w->fatal_fd >= 0)
                close(w->fatal_fd);
        pthread_cond_destroy(&w->wake);
        pthread_mutex_destroy(&w->lock);
        free(w);
}

int writer_start(struct store *st, sd_event *main_loop, const struct writer_ops *ops, void *userdata,
                 struct writer **ret) {
        struct writer *w = calloc(1, sizeof *w);
        pthread_condattr_t attr;
        int r;

        if (!w)
                return -ENOMEM;
        *w = (struct writer) { .store = st, .ops = ops, .userdata = userdata, .main_loop = main_loop,
                               .tail = &w->head, .fatal_fd = -1 };
        pthread_mutex_init(&w->lock, NULL);
        /* refuse_and_pause() waits on the monotonic clock. */
        pthread_condattr_init(&attr);
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
        pthread_cond_init(&w->wake, &attr);
        pthread_condattr_destroy(&attr);
        w->fatal_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        r = w->fatal_fd < 0 ? -errno : sd_event_add_io(main_loop, &w->fatal_io, w->fatal_fd, EPOLLIN, on_fatal, w);
        if (r >= 0)
                r = -pthread_create(&w->thread, NULL, writer_main, w);
        if (r < 0) {
                writer_free(w);
                return log_error_errno(r, "Cannot start the grade book's writer");
        }
        *ret = w;
        return 0;
}

void writer_stop(struct writer *w) {
        if (!w)
                return;
        pthread_mutex_lock(&w->lock);
        w->stopping = true;
        pthread_cond_signal(&w->wake);
        pthread_mutex_unlock(&w->lock);
        pthread_join(w->thread, NULL);
        writer_free(w);
}

unsigned long long writer_commits(struct writer *w) {
        return atomic_load_explicit(&w->commits, memory_order_relaxed);
}
