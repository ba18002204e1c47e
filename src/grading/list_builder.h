/* list_builder.h - the whole book's reply (GET /students), made in a thread
 * of its own.
 *
 * Encoding a school's book (10,000 students x 100 grades) takes 2-3 s
 * here. Done in a handler, it stalled its serving thread past the
 * watchdog's progress check (systemd restarted the service, seen in the
 * box) and held the book's lock all that time. So a GET /students that
 * finds no whole-book reply ready waits, suspended, while this thread makes
 * the students' replies one at a time (taking the lock for each few), joins
 * them and answers everyone waiting. It also makes them all once at start,
 * so that the first GET /students after a start is quick as well. After a
 * change only that student's reply is made again, and the join copies.
 *
 * It shares the book's lock (LOCK) with the service. */
#pragma once

#include <pthread.h>
#include <stdbool.h>

#include "dgo/gradebook.h"
#include "http/http.h"
#include "replies.h"

struct list_builder;

int list_builder_start(pthread_mutex_t *lock, struct replies *replies, const struct gradebook *gb,
                       struct list_builder **ret);
/* With LOCK held, for a GET /students that found no reply ready: REQ waits
 * (its handler returns HTTP_LATER). False when the builder is stopping:
 * the caller answers. */
bool list_builder_wait(struct list_builder *b, struct http_request *req);
/* Ends the thread; whoever still waits hears 503. */
void list_builder_stop(struct list_builder *b);
