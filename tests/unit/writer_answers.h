/* writer_answers.h - the grade book writer's answers (writer.h) counted, as
 * the grading service would give them to its clients, for the store tests. */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "grading/writer.h"

struct writer_answers {
        pthread_mutex_t lock;
        pthread_cond_t done;
        unsigned n, stored, not_stored, unknown, refused;
};
#define WRITER_ANSWERS_INIT { .lock = PTHREAD_MUTEX_INITIALIZER, .done = PTHREAD_COND_INITIALIZER }

/* Count C's outcome and free it (writer_ops.answer); a REFRESH has nobody
 * to answer and is not counted. */
static inline void writer_answers_take(struct writer_answers *a, struct change *c) {
        if (c->kind != CHANGE_REFRESH) {
                pthread_mutex_lock(&a->lock);
                a->n++;
                a->stored += c->outcome == CHANGE_STORED;
                a->not_stored += c->outcome == CHANGE_NOT_STORED;
                a->unknown += c->outcome == CHANGE_UNKNOWN;
                a->refused += c->outcome == CHANGE_REFUSED;
                pthread_cond_signal(&a->done);
                pthread_mutex_unlock(&a->lock);
        }
        change_free(c);
}

/* Whether N answers came within SECONDS. */
static inline bool writer_answers_wait(struct writer_answers *a, unsigned n, int seconds) {
        struct timespec deadline;
        bool ok = true;

        clock_gettime(CLOCK_REALTIME, &deadline);
        deadline.tv_sec += seconds;
        pthread_mutex_lock(&a->lock);
        while (a->n < n && ok)
                ok = pthread_cond_timedwait(&a->done, &a->lock, &deadline) == 0;
        ok = a->n >= n;
        pthread_mutex_unlock(&a->lock);
        return ok;
}

/* A change adding a quiz TITLE (score 50) to STUDENT. */
static inline struct change *grade_change(long student, const char *title) {
        struct change *c = calloc(1, sizeof *c);

        if (c) {
                c->kind = CHANGE_ADD_GRADE;
                c->student = student;
                c->grade = (struct grade) { .title = strdup(title), .type = GRADE_QUIZ, .score = 50 };
        }
        return c;
}
