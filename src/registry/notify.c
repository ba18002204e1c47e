/* notify.c - deliver patches to dependents, asynchronously, with retries.
 *
 * A patch never waits for another: each is its own request with its own
 * timeout, and a dependent that does not answer is retried with a doubling
 * delay a bounded number of times, then given up on (and logged). */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "registry.h"

#define RETRY_FIRST_USEC (200 * 1000ULL)

struct delivery {
        struct registry *reg;
        char *url, *name;
        char *body;
        unsigned attempt;
        sd_event_source *retry;
};

static void delivery_free(struct delivery *d) {
        sd_event_source_disable_unref(d->retry);
        free(d->url);
        free(d->name);
        free(d->body);
        free(d);
}

static void send_attempt(struct delivery *d);

static int on_retry(sd_event_source *s, uint64_t usec, void *userdata) {
        struct delivery *d = userdata;

        d->retry = sd_event_source_disable_unref(d->retry);
        send_attempt(d);
        return 0;
}

static void on_done(const struct http_client_response *resp, void *userdata) {
        struct delivery *d = userdata;
        struct registry *reg = d->reg;

        if (resp->status >= 200 && resp->status < 300) {
                reg->patches_sent++;
                log_debug("patch to %s delivered in %llu us: %s", d->url, resp->usec, d->body);
                delivery_free(d);
                return;
        }
        const char *why = resp->status ? "HTTP error" : resp->error;
        if (d->attempt >= reg->config.notify_attempts || (resp->error && strcmp(resp->error, "cancelled") == 0)) {
                reg->patches_failed++;
                log_warning("Giving up on a patch to %s (%s) after %u attempts (%s %ld)", d->name, d->url,
                            d->attempt, why, resp->status);
                delivery_free(d);
                return;
        }
        uint64_t delay = RETRY_FIRST_USEC << (d->attempt - 1);
        /* Only the give-up is worth a line each: under a storm of failures,
         * logging every retry would make journald push back on the loop. */
        reg->patch_retries++;
        log_debug("Patch to %s (%s) failed (%s %ld), retrying in %llu ms", d->name, d->url, why,
                  resp->status, (unsigned long long) delay / 1000);
        if (sd_event_add_time_relative(reg->event, &d->retry, CLOCK_MONOTONIC, delay, 0, on_retry, d) < 0) {
                reg->patches_failed++;
                delivery_free(d);
        }
}

static void send_attempt(struct delivery *d) {
        d->attempt++;
        int r = http_client_request(d->reg->http, "POST", d->url, "application/json", d->body,
                                    strlen(d->body), d->reg->config.notify_timeout_ms, on_done, d);
        if (r < 0) {
                log_error_errno(r, "Cannot send a patch to %s", d->url);
                d->reg->patches_failed++;
                delivery_free(d);
        }
}

void notify_send(struct registry *reg, const struct registration *r, json_t *patch) {
        struct delivery *d = calloc(1, sizeof *d);

        if (d) {
                d->reg = reg;
                d->url = strdup(r->update_url);
                d->name = strdup(r->name);
                d->body = json_dumps(patch, JSON_COMPACT);
        }
        json_decref(patch);
        if (!d || !d->url || !d->name || !d->body) {
                log_error("Out of memory: a patch to %s is lost", r->update_url);
                if (d)
                        delivery_free(d);
                return;
        }
        log_debug("patch for %s: %s", d->name, d->body);
        send_attempt(d);
}
