/* notify.c - deliver patches to dependents, asynchronously, with retries.
 *
 * One queue per dependent (per ServiceUpdateURL). At most one patch is on
 * its way to a dependent at a time; changes that come meanwhile are merged
 * into the next one, where the last word on each provider wins: a dependent
 * applies each entry as "have it" or "do not have it", so the merged patch
 * leaves it where the separate ones would have, with far fewer requests when
 * providers come and go quickly. Dependents never wait for one another: each
 * queue has its own request, with its own timeout. A dependent that does not
 * answer is retried with a doubling delay a bounded number of times; then
 * the patch is given up on (and logged), and the queue goes on.
 *
 * A registrant's first patch may have a waiter (notify_send_wait()): the
 * registry answers the registration once that patch has reached it, as the
 * original does. The waiter is told when the request that carried the patch
 * ends, delivered or not; a failed patch is retried as any other. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "basic/clock.h"
#include "basic/list.h"
#include "basic/log.h"
#include "service/auth.h"
#include "registry.h"

#define RETRY_FIRST_USEC (200 * USEC_PER_MSEC)
#define QUEUES_MAX (2 * REGISTRY_MAX)

struct notify_queue {
        struct registry *reg;
        char *url, *name;
        /* What the next patch will say: "Name\nURL" -> true (Added) or false
         * (Removed), in the order first seen. */
        json_t *pending;
        char *in_flight;                        /* the body being sent, or NULL */
        unsigned attempt;
        sd_event_source *retry;
        struct notify_waiter *waiter;           /* told when its entries' request ends */
        bool waiter_sent;                       /* its entries are in IN_FLIGHT */
        LIST_FIELDS(struct notify_queue, queues);
};

static void waiter_tell(struct notify_queue *q, bool delivered) {
        struct notify_waiter *w = q->waiter;

        if (!w)
                return;
        q->waiter = NULL;
        q->waiter_sent = false;
        w->queue = NULL;
        w->done(w, delivered);
}

void notify_waiter_detach(struct notify_waiter *w) {
        assert(w);
        if (!w->queue)
                return;
        w->queue->waiter = NULL;
        w->queue->waiter_sent = false;
        w->queue = NULL;
}

static void queue_free(struct notify_queue *q) {
        waiter_tell(q, false);
        sd_event_source_disable_unref(q->retry);
        json_decref(q->pending);
        free(q->in_flight);
        free(q->url);
        free(q->name);
        free(q);
}

static void queue_drop(struct notify_queue *q) {
        struct registry *reg = q->reg;

        LIST_REMOVE(queues, reg->queues, q);
        reg->n_queues--;
        queue_free(q);
}

static struct notify_queue *queue_get(struct registry *reg, const struct registration *r) {
        struct notify_queue *q;

        LIST_FOREACH(queues, q, reg->queues)
                if (strcmp(q->url, r->update_url) == 0)
                        return q;
        if (reg->n_queues >= QUEUES_MAX)
                return NULL;
        q = calloc(1, sizeof *q);
        if (!q)
                return NULL;
        q->reg = reg;
        q->url = strdup(r->update_url);
        q->name = strdup(r->name);
        q->pending = json_object();
        if (!q->url || !q->name || !q->pending) {
                queue_free(q);
                return NULL;
        }
        LIST_PREPEND(queues, reg->queues, q);
        reg->n_queues++;
        return q;
}

struct merging {
        struct notify_queue *q;
        bool older;
};

static void merge_entry(bool added, const char *name, const char *url, void *userdata) {
        struct merging *m = userdata;
        _cleanup_free_ char *key = NULL;

        if (asprintf(&key, "%s\n%s", name, url) < 0)
                return;
        if (!m->older || !json_object_get(m->q->pending, key))
                json_object_set_new(m->q->pending, key, json_boolean(added));
}

/* Merge PATCH's entries into Q's pending ones; with OLDER, entries already
 * pending are newer and win. */
static void merge(struct notify_queue *q, const json_t *patch, bool older) {
        struct merging m = { q, older };

        patch_foreach(patch, merge_entry, &m);
}

static char *take_pending(struct notify_queue *q) {
        json_t *patch = patch_new(), *added;
        const char *key;
        char *body;

        json_object_foreach(q->pending, key, added) {
                const char *nl = strchr(key, '\n');
                char name[REG_NAME_MAX + 1];
                snprintf(name, sizeof name, "%.*s", (int) (nl - key), key);
                patch_add(patch, json_is_true(added), name, nl + 1);
        }
        json_object_clear(q->pending);
        body = json_dumps(patch, JSON_COMPACT);
        json_decref(patch);
        return body;
}

static void send_next(struct notify_queue *q);

static int on_retry(sd_event_source *s, uint64_t usec, void *userdata) {
        struct notify_queue *q = userdata;

        q->retry = sd_event_source_disable_unref(q->retry);
        send_next(q);
        return 0;
}

static void on_done(const struct http_client_response *resp, void *userdata) {
        struct notify_queue *q = userdata;
        struct registry *reg = q->reg;
        bool cancelled = resp->error && strcmp(resp->error, "cancelled") == 0;
        bool delivered = resp->status >= 200 && resp->status < 300;

        if (q->waiter_sent)
                waiter_tell(q, delivered);
        if (delivered) {
                reg->patches_sent++;
                log_debug("patch to %s delivered in %llu us: %s", q->url, resp->usec, q->in_flight);
                q->attempt = 0;
        } else if (q->attempt < reg->config.notify_attempts && !cancelled) {
                /* Put it back under what came meanwhile, and try again later.
                 * Only the give-up is worth a line: under a storm of failures,
                 * logging every retry would make journald push back on the loop. */
                json_t *failed = json_loads(q->in_flight, 0, NULL);
                if (failed)
                        merge(q, failed, true);
                json_decref(failed);
                free(q->in_flight);
                q->in_flight = NULL;
                reg->patch_retries++;
                uint64_t delay = RETRY_FIRST_USEC << (q->attempt - 1);
                log_debug("Patch to %s (%s) failed (%s %ld), retrying in %llu ms", q->name, q->url,
                          resp->status ? "HTTP error" : resp->error, resp->status, (unsigned long long) delay / 1000);
                if (sd_event_add_time_relative(reg->event, &q->retry, CLOCK_MONOTONIC, delay, 0, on_retry, q) < 0)
                        log_error("Cannot schedule a patch retry for %s", q->url);
                return;
        } else {
                reg->patches_failed++;
                if (!cancelled)
                        log_warning("Giving up on a patch to %s (%s) after %u attempts (%s %ld): %s", q->name,
                                    q->url, q->attempt, resp->status ? "HTTP error" : resp->error, resp->status,
                                    q->in_flight);
                q->attempt = 0;
        }
        free(q->in_flight);
        q->in_flight = NULL;
        if (cancelled)
                return;
        if (json_object_size(q->pending) > 0)
                send_next(q);
        else
                queue_drop(q);                  /* nothing owed: the queue goes */
}

static void send_next(struct notify_queue *q) {
        if (q->in_flight || q->retry || json_object_size(q->pending) == 0)
                return;
        q->in_flight = take_pending(q);
        if (!q->in_flight)
                return;
        q->waiter_sent = q->waiter != NULL;
        q->attempt++;
        /* Our token (only the registry may patch a dgo service) goes only to dgo's own services:
         * a foreign registrant's update URL may be anyone's. */
        const char *token = auth_may_send_to(q->url) ? auth_header_value("ServiceRegistry") : NULL;
        char authorization[160];
        if (token)
                snprintf(authorization, sizeof authorization, "Authorization: %s", token);
        int r = http_client_request_with_header(q->reg->http, "POST", q->url, token ? authorization : NULL,
                                                "application/json", q->in_flight, strlen(q->in_flight),
                                                q->reg->config.notify_timeout_ms, on_done, q);
        if (r < 0) {
                log_error_errno(r, "Cannot send a patch to %s", q->url);
                q->reg->patches_failed++;
                free(q->in_flight);
                q->in_flight = NULL;
                if (q->waiter_sent)
                        waiter_tell(q, false);
        }
}

void notify_send_wait(struct registry *reg, const struct registration *r, json_t *patch,
                      struct notify_waiter *waiter) {
        struct notify_queue *q;

        assert(reg && r && r->update_url);
        q = queue_get(reg, r);

        if (!q) {
                log_error("No room for another patch queue: a patch to %s is lost", r->update_url);
                reg->patches_failed++;
                json_decref(patch);
                if (waiter) {
                        waiter->queue = NULL;
                        waiter->done(waiter, false);
                }
                return;
        }
        merge(q, patch, false);
        json_decref(patch);
        if (waiter) {
                /* One waiter a queue: an earlier one (the same URL registered
                 * twice at once) is answered now. */
                waiter_tell(q, false);
                q->waiter = waiter;
                waiter->queue = q;
        }
        send_next(q);
}

void notify_send(struct registry *reg, const struct registration *r, json_t *patch) {
        notify_send_wait(reg, r, patch, NULL);
}

void notify_done(struct registry *reg) {
        while (reg->queues)
                queue_drop(reg->queues);
}
