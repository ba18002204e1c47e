/* flight.h - one fetch of a resource for many page views ("single flight").
 *
 * Page views of the same resource (the student list, one student) do not
 * each ask the grading service: a view joins the resource's flight. While
 * no fetch is under way, joining starts one. Views that join while a fetch
 * is under way wait for the NEXT fetch, which starts as soon as the current
 * one is answered, and is shared by all of them. So a view never shows data
 * older than itself (the fetch it gets is sent after it arrived: what the
 * portal, or anyone, changed before is in it), and under load there is at
 * most one fetch per resource in flight, however many views wait.
 *
 * One exception, safe for the same reason: views that arrive in the same
 * iteration of the loop as the fetch was started ride it, since nothing
 * has been sent yet (the HTTP client sends from the loop, in a later
 * iteration). libmicrohttpd hands over all the requests that came together
 * in one go, so a burst of views costs one fetch, not two.
 *
 * The flight also keeps what the last answer was, and a rendering of it
 * (flight_cache): when the next answer is byte for byte the same (status,
 * body and X-Total-Count: a page of a list whose total changed shows other
 * page numbers), the rendering is still good, and pages are built only when
 * data changed. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "upstream.h"

struct flight;

/* R is the fetch's answer (or why there was none). When it differs from
 * the one before, the cache has been dropped already. */
typedef void (*flight_done_fn)(struct flight *f, const struct upstream_response *r, void *userdata);

/* The caller's part of a wait: usually a member of its request state. */
struct flight_waiter {
        struct flight_waiter *next;
        flight_done_fn done;
        void *userdata;
};

/* A flight for GET PATH at the upstream U, on the loop E. */
int flight_new(sd_event *e, struct upstream *u, const char *path, struct flight **ret);
/* Must not have waiters (the upstream's shutdown and the HTTP client's
 * cancellation answer them first). */
void flight_free(struct flight *f);

/* Wait for the next answer to GET PATH. W's DONE is called exactly once,
 * from the loop, never from in here. Returns 0, or -ECANCELED/-ENOMEM when
 * no fetch can start (then DONE is not called). */
int flight_join(struct flight *f, struct flight_waiter *w, flight_done_fn done, void *userdata);

/* The rendering kept for the last answer, or NULL; set it with a function
 * that frees it when the answer changes. */
void *flight_cache(const struct flight *f);
void flight_set_cache(struct flight *f, void *cache, void (*free_fn)(void *));

/* No fetch under way and nobody waiting: the flight may go. */
bool flight_idle(const struct flight *f);

struct flight_stats {
        unsigned long long fetches, served, renders_saved;
};
void flight_get_stats(const struct flight *f, struct flight_stats *ret);
