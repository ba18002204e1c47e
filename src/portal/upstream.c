/* upstream.c - see upstream.h. */
#include "upstream.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "basic/clock.h"
#include "basic/log.h"
#include "basic/loop.h"
#include "basic/macros.h"
#include "service/auth.h"

#define WAIT_POLL_USEC (10 * 1000ULL)
#define FAIL_LOG_INTERVAL_USEC (1000 * 1000ULL)

struct call {
        struct upstream *u;
        char *method, *path, *content_type, *body;
        size_t len;
        char *tried[UPSTREAM_TRIES_MAX];        /* providers asked, in order */
        size_t n_tried;
        uint64_t first_usec;                    /* the first attempt; 0 before */
        uint64_t wait_until;                    /* while waiting for a provider */
        upstream_done_fn done;
        void *userdata;
        struct call *next;                      /* in the waiting list */
};

struct upstream {
        sd_event *event;
        struct http_client *http;
        struct registry_client *rc;
        char *name;
        uint64_t created_usec;
        bool had_provider, stopping;
        struct call *waiting;                   /* for a provider; answered by the timer */
        sd_event_source *wait_timer;
        uint64_t fail_logged_usec;
        unsigned fail_suppressed;
        struct upstream_stats stats;
};

static void call_free(struct call *c) {
        for (size_t i = 0; i < c->n_tried; i++)
                free(c->tried[i]);
        free(c->method);
        free(c->path);
        free(c->content_type);
        free(c->body);
        free(c);
}

static void finish(struct call *c, const struct upstream_response *r) {
        c->done(r, c->userdata);
        call_free(c);
}

static void fail(struct call *c, unsigned status, const char *format, ...) __attribute__((format(printf, 3, 4)));
static void fail(struct call *c, unsigned status, const char *format, ...) {
        char error[512];
        va_list ap;

        va_start(ap, format);
        vsnprintf(error, sizeof error, format, ap);
        va_end(ap);
        c->u->stats.failed++;
        finish(c, &(struct upstream_response) { .status = status, .body = "", .error = error });
}

static void on_response(const struct http_client_response *resp, void *userdata);

/* Send the call to the current provider: -ENXIO when there is none. */
static int attempt(struct call *c) {
        struct upstream *u = c->u;
        const char *base = registry_client_provider(u->rc, u->name);
        uint64_t now = loop_now(u->event), budget = UPSTREAM_BUDGET_MS * 1000ULL, used;
        unsigned timeout_ms = UPSTREAM_ATTEMPT_TIMEOUT_MS;
        char *url;
        int r;

        if (!base)
                return -ENXIO;
        u->had_provider = true;
        if (c->n_tried >= UPSTREAM_TRIES_MAX)
                return -E2BIG;
        if (!c->first_usec)
                c->first_usec = now;
        used = now - c->first_usec;
        if (used + 100 * 1000ULL > budget)
                return -ETIME;
        if ((budget - used) / 1000 < timeout_ms)
                timeout_ms = (unsigned) ((budget - used) / 1000);
        if (asprintf(&url, "%s%s", base, c->path) < 0)
                return -ENOMEM;
        c->tried[c->n_tried] = strdup(base);
        if (!c->tried[c->n_tried]) {
                free(url);
                return -ENOMEM;
        }
        c->n_tried++;
        /* Our name to dgo's own services (another host's takes nothing else). */
        r = http_client_request_with_header(u->http, c->method, url,
                                            auth_may_send_to(url) ? registry_client_authorization(u->rc) : NULL,
                                            c->content_type, c->body, c->len, timeout_ms, on_response, c);
        free(url);
        return r;
}

static bool tried(const struct call *c, const char *base) {
        for (size_t i = 0; i < c->n_tried; i++)
                if (strcmp(c->tried[i], base) == 0)
                        return true;
        return false;
}

static void log_failure(struct upstream *u, const char *base, const char *error) {
        uint64_t now = loop_now(u->event);

        /* Under load every page view would say it again. */
        if (u->fail_logged_usec && now - u->fail_logged_usec < FAIL_LOG_INTERVAL_USEC) {
                u->fail_suppressed++;
                return;
        }
        if (u->fail_suppressed)
                log_warning("%s at %s did not answer: %s (%u more unanswered requests not logged)", u->name, base,
                            error, u->fail_suppressed);
        else
                log_warning("%s at %s did not answer: %s", u->name, base, error);
        u->fail_logged_usec = now;
        u->fail_suppressed = 0;
}

/* RFC 9110, 9.2.2: sending these twice has the effect of sending them once. */
static bool idempotent(const char *method) {
        static const char *const methods[] = { "GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE" };

        for (size_t i = 0; i < ELEMENTSOF(methods); i++)
                if (strcmp(method, methods[i]) == 0)
                        return true;
        return false;
}

static void on_response(const struct http_client_response *resp, void *userdata) {
        struct call *c = userdata;
        struct upstream *u = c->u;
        const char *base = c->tried[c->n_tried - 1], *next;
        int r;

        if (resp->status > 0) {
                finish(c, &(struct upstream_response) {
                        .status = (unsigned) resp->status,
                        .answered = true,
                        .content_type = resp->content_type,
                        .body = resp->body,
                        .len = resp->body_len,
                        .total_count = http_client_response_header(resp, "X-Total-Count"),
                });
                return;
        }
        if (u->stopping || strcmp(resp->error, "cancelled") == 0) {
                fail(c, 503, "the portal is shutting down");
                return;
        }
        log_failure(u, base, resp->error);
        registry_client_provider_failed(u->rc, u->name, base);
        if (resp->request_sent && !idempotent(c->method)) {
                /* It may have arrived and been done, only its answer lost:
                 * sent again elsewhere it could be done twice. */
                fail(c, 502, "%s: %s (a %s is not sent again elsewhere: it may have arrived)", base, resp->error,
                     c->method);
                return;
        }
        next = registry_client_provider(u->rc, u->name);
        if (next && !tried(c, next)) {
                u->stats.failovers++;
                r = attempt(c);
                if (r >= 0)
                        return;
        }
        fail(c, 502, "%s: %s", base, resp->error);
}

static int wait_arm(struct upstream *u, uint64_t at) {
        int r = sd_event_source_set_time(u->wait_timer, at);
        if (r >= 0)
                r = sd_event_source_set_enabled(u->wait_timer, SD_EVENT_ONESHOT);
        return r;
}

static void wait_add(struct upstream *u, struct call *c) {
        struct call **p = &u->waiting;

        while (*p)                              /* first come, first served */
                p = &(*p)->next;
        c->next = NULL;
        *p = c;
}

static int on_wait_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        struct upstream *u = userdata;
        struct call *list = u->waiting, *c;
        uint64_t now = loop_now(u->event);
        int r;

        /* Answering may start new calls, which may wait: a new list. */
        u->waiting = NULL;
        while ((c = list)) {
                list = c->next;
                r = attempt(c);
                if (r >= 0)
                        continue;
                if (r != -ENXIO)
                        fail(c, 502, "cannot send the request to %s: %s", u->name, strerror(-r));
                else if (now >= c->wait_until)
                        fail(c, 503, "no provider of %s is known", u->name);
                else
                        wait_add(u, c);
        }
        if (u->waiting && (r = wait_arm(u, now + WAIT_POLL_USEC)) < 0) {
                log_error_errno(r, "Cannot arm the provider wait timer");
                while ((c = u->waiting)) {
                        u->waiting = c->next;
                        fail(c, 503, "no provider of %s is known", u->name);
                }
        }
        return 0;
}

int upstream_request(struct upstream *u, const char *method, const char *path, const char *content_type,
                     const void *body, size_t len, upstream_done_fn done, void *userdata) {
        struct call *c;
        uint64_t now = loop_now(u->event);
        int r;

        if (u->stopping)
                return -ECANCELED;
        c = calloc(1, sizeof *c);
        if (!c)
                return -ENOMEM;
        *c = (struct call) { .u = u, .len = len, .done = done, .userdata = userdata };
        c->method = strdup(method);
        c->path = strdup(path);
        c->content_type = content_type ? strdup(content_type) : NULL;
        c->body = body ? malloc(len + 1) : NULL;
        if (!c->method || !c->path || (content_type && !c->content_type) || (body && !c->body)) {
                call_free(c);
                return -ENOMEM;
        }
        if (body)
                memcpy(c->body, body, len);
        u->stats.requests++;

        r = attempt(c);
        if (r >= 0)
                return 0;
        if (r != -ENXIO) {
                call_free(c);
                return r;
        }
        /* No provider: wait for one while the portal is new, else answer
         * 503 from the timer (never from in here). */
        c->wait_until = now;
        if (!u->had_provider && now - u->created_usec < UPSTREAM_STARTUP_WAIT_MS * 1000ULL)
                c->wait_until = u->created_usec + UPSTREAM_STARTUP_WAIT_MS * 1000ULL;
        wait_add(u, c);
        r = wait_arm(u, c->wait_until == now ? now : now + WAIT_POLL_USEC);
        if (r < 0) {
                /* Take it back out: the caller answers. */
                struct call **p = &u->waiting;
                while (*p != c)
                        p = &(*p)->next;
                *p = c->next;
                call_free(c);
                return r;
        }
        return 0;
}

int upstream_new(sd_event *e, struct http_client *http, struct registry_client *rc, const char *name,
                 struct upstream **ret) {
        struct upstream *u = calloc(1, sizeof *u);
        int r;

        if (!u)
                return -ENOMEM;
        u->event = sd_event_ref(e);
        u->http = http;
        u->rc = rc;
        /* Not loop_now(): before the loop's first iteration it has no time. */
        u->created_usec = now_usec(CLOCK_MONOTONIC);
        u->name = strdup(name);
        if (!u->name) {
                upstream_free(u);
                return -ENOMEM;
        }
        r = sd_event_add_time(e, &u->wait_timer, CLOCK_MONOTONIC, 0, 1000, on_wait_timer, u);
        if (r >= 0)
                r = sd_event_source_set_enabled(u->wait_timer, SD_EVENT_OFF);
        if (r < 0) {
                upstream_free(u);
                return r;
        }
        (void) sd_event_source_set_description(u->wait_timer, "upstream-wait");
        *ret = u;
        return 0;
}

void upstream_shutdown(struct upstream *u) {
        struct call *c;

        if (!u)
                return;
        u->stopping = true;
        while ((c = u->waiting)) {
                u->waiting = c->next;
                fail(c, 503, "the portal is shutting down");
        }
}

void upstream_free(struct upstream *u) {
        if (!u)
                return;
        upstream_shutdown(u);
        sd_event_source_disable_unref(u->wait_timer);
        sd_event_unref(u->event);
        free(u->name);
        free(u);
}

void upstream_get_stats(const struct upstream *u, struct upstream_stats *ret) {
        *ret = u->stats;
}
