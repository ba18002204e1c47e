/* registry_client.h - a dgo service's side of the registry protocol.
 *
 * On start the service registers (POST /services), retrying with backoff
 * while the registry cannot be reached, so start order never matters. It
 * then serves the two routes every registered service has: GET /heartbeat,
 * and POST /services for the patches in which the registry says which
 * providers of its required services came or went. The provider table this
 * keeps answers "where is LogService now?", with failover between providers.
 * dgo's own services do not deregister: the registry follows their units. */
#pragma once

#include <systemd/sd-event.h>

#include "http/http_client.h"
#include "http/router.h"

#define REGISTRY_URL_DEFAULT "http://127.0.0.1:3000/services"
#define PROVIDER_NAMES_MAX 16
#define PROVIDERS_PER_NAME_MAX 8

struct registry_client;

struct registry_client_config {
        const char *registry_url;               /* NULL: $DGO_REGISTRY or REGISTRY_URL_DEFAULT */
        const char *service_name;               /* "GradingService" */
        const char *service_url;                /* "http://127.0.0.1:6000" */
        const char *unit;                       /* "dgo-grading.service"; NULL: foreign */
        const char *const *required;            /* NULL-terminated names; may be NULL */
};

/* The provider table and the routes; no HTTP client yet, nothing sent. */
int registry_client_new(sd_event *e, const struct registry_client_config *config, struct registry_client **ret);
/* Free the http_client first: its pending requests call back into this. */
void registry_client_free(struct registry_client *c);

/* Called once the registration is settled: 0 registered, -EINVAL refused
 * by the registry (not retried). While it cannot be reached it is retried,
 * so this may never be called. */
typedef void (*registry_client_done_fn)(int result, void *userdata);

/* Register through HTTP (kept; must outlive C), retrying with backoff;
 * DONE may be NULL. In registry_register.c, which needs libcurl. */
int registry_client_register(struct registry_client *c, struct http_client *http, registry_client_done_fn done,
                             void *userdata);

/* From now on the service's own log lines also go to a LogService provider
 * (once registering, since that needs the HTTP client). */
void registry_client_forward_logs(struct registry_client *c);

/* GET /heartbeat and POST /services, with the client as their userdata: give
 * these to http_server_config.core_routes / core_userdata. */
extern const struct http_route registry_client_routes[];
extern const size_t registry_client_n_routes;

/* The .service unit this process runs in ("dgo-log.service"), as the unit
 * file says in DGO_UNIT=%n; NULL when run by hand. Free it. */
char *own_service_unit(void);

/* The provider of NAME to use now, or NULL when none is known. The string
 * lasts until the next patch: where patches may arrive on another thread
 * (http_workers.h), use the copy. */
const char *registry_client_provider(struct registry_client *c, const char *name);
/* The same into BUF: 0, -ENOENT when none is known, -ENAMETOOLONG. */
int registry_client_provider_copy(struct registry_client *c, const char *name, char *buf, size_t size);
/* A request to URL failed: prefer the next provider of NAME from now on. */
void registry_client_provider_failed(struct registry_client *c, const char *name, const char *url);
/* The registry's URL we register at (GET there lists the services). */
const char *registry_client_url(const struct registry_client *c);
/* Whether the registry has answered our registration. */
int registry_client_registered(const struct registry_client *c);

/* Apply a patch body to a provider table (pure; unit-tested through the client). */
int registry_client_apply_patch(struct registry_client *c, const char *body, size_t len,
                                char *error, size_t error_size);
