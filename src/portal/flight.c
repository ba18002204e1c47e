/* flight.c - see flight.h. */
#include "flight.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct waiters {
        struct flight_waiter *first, **tail;
};

struct flight {
        sd_event *event;
        struct upstream *up;
        char *path;
        bool in_flight;
        unsigned answering;                     /* inside answer_all(): not idle, whatever the lists say */
        uint64_t started_iteration;             /* of the loop, when the fetch under way started */
        struct waiters riding;                  /* answered by the fetch under way */
        struct waiters queued;                  /* for the next fetch */
        /* The last answer, and what was made of it. */
        unsigned status;
        char *body;
        size_t len;
        char *total_count;                      /* or NULL */
        void *cache;
        void (*cache_free)(void *);
        struct flight_stats stats;
};

static void waiters_init(struct waiters *w) {
        w->first = NULL;
        w->tail = &w->first;
}

static void waiters_add(struct waiters *ws, struct flight_waiter *w) {
        w->next = NULL;
        *ws->tail = w;
        ws->tail = &w->next;
}

int flight_new(sd_event *e, struct upstream *u, const char *path, struct flight **ret) {
        struct flight *f = calloc(1, sizeof *f);

        if (!f)
                return -ENOMEM;
        f->event = sd_event_ref(e);
        f->up = u;
        f->path = strdup(path);
        if (!f->path) {
                free(f);
                return -ENOMEM;
        }
        waiters_init(&f->riding);
        waiters_init(&f->queued);
        *ret = f;
        return 0;
}

static void cache_drop(struct flight *f) {
        if (f->cache && f->cache_free)
                f->cache_free(f->cache);
        f->cache = NULL;
        f->cache_free = NULL;
}

void flight_free(struct flight *f) {
        if (!f)
                return;
        cache_drop(f);
        sd_event_unref(f->event);
        free(f->path);
        free(f->body);
        free(f->total_count);
        free(f);
}

void *flight_cache(const struct flight *f) {
        return f->cache;
}

void flight_set_cache(struct flight *f, void *cache, void (*free_fn)(void *)) {
        cache_drop(f);
        f->cache = cache;
        f->cache_free = free_fn;
}

bool flight_idle(const struct flight *f) {
        return !f->in_flight && !f->answering && !f->riding.first && !f->queued.first;
}

void flight_get_stats(const struct flight *f, struct flight_stats *ret) {
        *ret = f->stats;
}

static bool same_total(const char *a, const char *b) {
        return a == b || (a && b && strcmp(a, b) == 0);
}

/* Keep the answer; drop the rendering when it differs from the last one. */
static void remember(struct flight *f, const struct upstream_response *r) {
        char *copy, *total = NULL;

        if (!r->answered)
                return;                         /* nothing new was learnt */
        if (r->status == f->status && r->len == f->len && f->body && memcmp(r->body, f->body, r->len) == 0 &&
            same_total(r->total_count, f->total_count)) {
                f->stats.renders_saved += f->cache != NULL;
                return;
        }
        cache_drop(f);
        copy = malloc(r->len + 1);
        if (copy && r->total_count && !(total = strdup(r->total_count))) {
                free(copy);
                copy = NULL;
        }
        free(f->body);
        free(f->total_count);
        f->body = copy;
        f->total_count = total;
        f->len = copy ? r->len : 0;
        f->status = copy ? r->status : 0;       /* without a copy, the next answer counts as new */
        if (copy) {
                memcpy(copy, r->body, r->len);
                copy[r->len] = '\0';
        }
}

static void answer_all(struct flight *f, struct flight_waiter *w, const struct upstream_response *r) {
        f->answering++;
        while (w) {
                struct flight_waiter *next = w->next;
                f->stats.served++;
                w->done(f, r, w->userdata);
                w = next;
        }
        f->answering--;
}

static void on_fetched(const struct upstream_response *r, void *userdata);

static uint64_t iteration(struct flight *f) {
        uint64_t i = 0;

        (void) sd_event_get_iteration(f->event, &i);
        return i;
}

static int fetch(struct flight *f) {
        int r = upstream_request(f->up, "GET", f->path, NULL, NULL, 0, on_fetched, f);

        if (r < 0)
                return r;
        f->in_flight = true;
        f->started_iteration = iteration(f);
        f->stats.fetches++;
        return 0;
}

/* Move the queued waiters aboard a new fetch; on failure answer them now
 * (only ever called from the loop, where answering is allowed). */
static void start_next(struct flight *f) {
        struct flight_waiter *w;
        int r;

        if (f->in_flight || !f->queued.first)
                return;
        f->riding = f->queued;                  /* not empty: its tail is a waiter's next */
        waiters_init(&f->queued);
        r = fetch(f);
        if (r >= 0)
                return;
        w = f->riding.first;
        waiters_init(&f->riding);
        answer_all(f, w, &(struct upstream_response) {
                .status = 503, .body = "",
                .error = r == -ECANCELED ? "the portal is shutting down" : "the request could not be sent",
        });
}

static void on_fetched(const struct upstream_response *r, void *userdata) {
        struct flight *f = userdata;
        struct flight_waiter *w = f->riding.first;

        f->in_flight = false;
        waiters_init(&f->riding);
        remember(f, r);
        f->answering++;                         /* until the next fetch is on its way */
        answer_all(f, w, r);
        start_next(f);
        f->answering--;
}

int flight_join(struct flight *f, struct flight_waiter *w, flight_done_fn done, void *userdata) {
        int r;

        w->done = done;
        w->userdata = userdata;
        if (f->in_flight) {
                /* Not sent before the loop runs again: still good to ride. */
                waiters_add(iteration(f) == f->started_iteration ? &f->riding : &f->queued, w);
                return 0;
        }
        /* Nothing under way: this view starts a fetch (and rides it). */
        r = fetch(f);
        if (r < 0)
                return r;
        waiters_add(&f->riding, w);
        return 0;
}
