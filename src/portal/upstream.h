/* upstream.h - requests to a service the portal requires (GradingService),
 * wherever the registry says it is now.
 *
 * Each request goes to the current provider from the registry client's
 * table. When a provider does not answer (refused, reset, timed out), it is
 * reported failed (registry_client_provider_failed) and the next one is
 * tried, within a time budget; a provider's answer, whatever its status,
 * is relayed as it is. A request that is not idempotent (POST) goes to
 * another provider only when it surely never reached the first (refused):
 * after a timeout or a reset it may have been done there, so it fails. So
 * a caller hears within UPSTREAM_BUDGET_MS either an answer or why there
 * was none: 503 when no provider is known, 502 when those tried did not
 * answer.
 *
 * Right after the portal starts its table is empty until the registry's
 * first patch arrives, so a request then waits for a provider for up to
 * UPSTREAM_STARTUP_WAIT_MS; later, "no provider" is answered at once. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <systemd/sd-event.h>

#include "http/http_client.h"
#include "service/registry_client.h"

#define UPSTREAM_ATTEMPT_TIMEOUT_MS 2000
#define UPSTREAM_BUDGET_MS 2500         /* from the first attempt to the last answer */
#define UPSTREAM_STARTUP_WAIT_MS 2000
#define UPSTREAM_TRIES_MAX PROVIDERS_PER_NAME_MAX

struct upstream;

struct upstream_response {
        unsigned status;                /* the provider's status; 502 or 503 when none answered */
        bool answered;
        const char *content_type;       /* the provider's, or NULL */
        const char *body;               /* NUL-terminated; "" when none */
        size_t len;
        const char *total_count;        /* the provider's X-Total-Count (a paged list), or NULL */
        const char *error;              /* when !answered: why, for people and the journal */
};

/* Called exactly once per request, always from the loop (never from inside
 * upstream_request()). R lives only during the call. */
typedef void (*upstream_done_fn)(const struct upstream_response *r, void *userdata);

int upstream_new(sd_event *e, struct http_client *http, struct registry_client *rc, const char *name,
                 struct upstream **ret);
/* Answer the requests still waiting for a provider (503), and refuse new
 * ones with -ECANCELED. Those sent are answered when the HTTP client is
 * freed (it cancels them). */
void upstream_shutdown(struct upstream *u);
void upstream_free(struct upstream *u);

/* METHOD PATH ("/students/1") with BODY (may be NULL) and CONTENT_TYPE (may
 * be NULL). Returns 0, or a negative errno (then DONE is not called). */
int upstream_request(struct upstream *u, const char *method, const char *path, const char *content_type,
                     const void *body, size_t len, upstream_done_fn done, void *userdata);

struct upstream_stats {
        unsigned long long requests, failovers, failed;
};
void upstream_get_stats(const struct upstream *u, struct upstream_stats *ret);
