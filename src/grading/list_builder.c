/* list_builder.c - see list_builder.h. */
#include "list_builder.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "basic/log.h"

/* Students whose replies are made per hold of the lock: short enough that
 * a request or the writer waits well under a millisecond for it. */
#define STUDENTS_PER_HOLD 16
#define HOLD_PAUSE_USEC 100

struct waiter {
        struct http_request *req;
        struct waiter *next;
};

struct list_builder {
        pthread_mutex_t *lock;
        struct replies *replies;
        const struct gradebook *gb;
        pthread_t thread;
        pthread_cond_t wake;
        struct waiter *waiting;
        bool warm_up, stopping;
};

/* In the request's own thread: R is a reference of ours, or NULL. */
static void answer(struct http_request *req, void *data) {
        struct http_shared *r = data;

        if (!r) {
                http_reply_error(req, 503, "the grading service is stopping");
                return;
        }
        http_reply_shared(req, 200, r);
        http_shared_free(r);
}

/* With the lock held: answer every waiter with ALL (NULL: 503). */
static void answer_waiting(struct list_builder *b, struct http_shared *all) {
        while (b->waiting) {
                struct waiter *w = b->waiting;
                b->waiting = w->next;
                http_request_resume_async(w->req, answer, all ? http_shared_ref(all) : NULL);
                free(w);
        }
}

/* With the lock held, let go of it now and then. */
static struct http_shared *build(struct list_builder *b) {
        for (size_t pos = 0; pos < b->gb->n_students && !b->stopping; pos++) {
                if (!replies_student(b->replies, b->gb, pos))
                        return NULL;
                if (pos % STUDENTS_PER_HOLD == STUDENTS_PER_HOLD - 1) {
                        pthread_mutex_unlock(b->lock);
                        /* glibc's mutex is not fair: relocked at once, it
                         * went back to us again and again, and a serving
                         * thread waited through the whole warm-up, past the
                         * watchdog's progress check (seen in CI). A pause
                         * lets the waiters in: 625 of them, 60 ms in all,
                         * for 10,000 students. */
                        usleep(HOLD_PAUSE_USEC);
                        pthread_mutex_lock(b->lock);
                }
        }
        /* Made in between, a change took its student's reply: the join
         * makes that one again. */
        return replies_all(b->replies, b->gb);
}

static void *builder_main(void *userdata) {
        struct list_builder *b = userdata;

        pthread_mutex_lock(b->lock);
        for (;;) {
                while (!b->stopping && !b->warm_up && !b->waiting)
                        pthread_cond_wait(&b->wake, b->lock);
                if (b->stopping)
                        break;
                b->warm_up = false;
                struct http_shared *all = build(b);
                if (!all && !b->stopping)
                        log_error("Cannot make the reply of GET /students: out of memory");
                if (!b->stopping)
                        answer_waiting(b, all);
        }
        answer_waiting(b, NULL);
        pthread_mutex_unlock(b->lock);
        return NULL;
}

bool list_builder_wait(struct list_builder *b, struct http_request *req) {
        struct waiter *w;

        if (b->stopping || !(w = malloc(sizeof *w)))
                return false;
        *w = (struct waiter) { .req = req, .next = b->waiting };
        b->waiting = w;
        pthread_cond_signal(&b->wake);
        return true;
}

int list_builder_start(pthread_mutex_t *lock, struct replies *replies, const struct gradebook *gb,
                       struct list_builder **ret) {
        struct list_builder *b = calloc(1, sizeof *b);
        int r;

        if (!b)
                return -ENOMEM;
        *b = (struct list_builder) { .lock = lock, .replies = replies, .gb = gb, .warm_up = true };
        pthread_cond_init(&b->wake, NULL);
        r = -pthread_create(&b->thread, NULL, builder_main, b);
        if (r < 0) {
                pthread_cond_destroy(&b->wake);
                free(b);
                return log_error_errno(r, "Cannot start the thread that makes GET /students");
        }
        *ret = b;
        return 0;
}

void list_builder_stop(struct list_builder *b) {
        if (!b)
                return;
        pthread_mutex_lock(b->lock);
        b->stopping = true;
        pthread_cond_signal(&b->wake);
        pthread_mutex_unlock(b->lock);
        pthread_join(b->thread, NULL);
        pthread_cond_destroy(&b->wake);
        free(b);
}
