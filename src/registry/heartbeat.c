/* heartbeat.c - poll the heartbeat of foreign services.
 *
 * dgo's own services are watched through systemd; a service registered
 * without a unit is asked GET HeartbeatURL every interval, each request
 * bounded by a timeout, so a hung service costs one timeout and never the
 * loop. After the configured failures in a row it is "down" and its
 * dependents get Removed; when it answers again, Added. */
#include <stdlib.h>
#include <string.h>

#include "basic/log.h"
#include "registry.h"

struct poll {
        struct registry *reg;
        char *url;                      /* the registration's ServiceURL: it may be gone by the answer */
};

static void on_heartbeat(const struct http_client_response *resp, void *userdata) {
        struct poll *p = userdata;
        struct registration *r = registry_find(p->reg, p->url);

        if (r) {
                r->polling = false;
                if (resp->status == 200) {
                        r->heartbeat_failures = 0;
                        registry_set_health(p->reg, r, HEALTH_UP, "heartbeat answered");
                } else {
                        /* What failed stays in the journal: the Reason is
                         * shown to every client, and the registrant chose the
                         * address, so its words would make the registry a
                         * port scanner. */
                        log_debug("Heartbeat of %s at %s failed: %s", r->name, r->heartbeat_url,
                                  resp->status ? "HTTP error" : resp->error ? resp->error : "no answer");
                        if (++r->heartbeat_failures >= p->reg->config.heartbeat_attempts)
                                registry_set_health(p->reg, r, HEALTH_DOWN, "heartbeat failed");
                }
        }
        free(p->url);
        free(p);
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        struct registry *reg = userdata;

        for (size_t i = 0; i < reg->n_regs; i++) {
                struct registration *r = reg->regs[i];
                if (r->unit || !r->heartbeat_url || r->polling)
                        continue;
                struct poll *p = calloc(1, sizeof *p);
                if (!p || !(p->url = strdup(r->url))) {
                        free(p);
                        continue;
                }
                p->reg = reg;
                if (http_client_request(reg->http, "GET", r->heartbeat_url, NULL, NULL, 0,
                                        reg->config.heartbeat_timeout_ms, on_heartbeat, p) < 0) {
                        free(p->url);
                        free(p);
                        continue;
                }
                r->polling = true;
        }
        registry_expire(reg);
        sd_event_source_set_time(s, usec + reg->config.heartbeat_interval_usec);
        return sd_event_source_set_enabled(s, SD_EVENT_ON);
}

int heartbeat_start(struct registry *reg) {
        int r = sd_event_add_time_relative(reg->event, &reg->heartbeat_timer, CLOCK_MONOTONIC,
                                           reg->config.heartbeat_interval_usec, 0, on_timer, reg);
        if (r < 0)
                return log_error_errno(r, "Cannot start heartbeat polling");
        return sd_event_source_set_enabled(reg->heartbeat_timer, SD_EVENT_ON);
}
