/* registry_client.h - a dgo service's side of the registry protocol that
 * talks HTTP (libcurl): registering, and forwarding its log lines.
 *
 * On start the service registers (POST /services), retrying with backoff
 * while the registry cannot be reached, so start order never matters. From
 * then on the registry sends it patches, which the providers table
 * (providers.h, in the service core: no libcurl) takes. The client owns the
 * service's HTTP client, which the service borrows for its own requests to
 * providers (registry_client_http()). dgo's own services do not deregister:
 * the registry follows their units.
 *
 * Linked only by what registers this way: dgo-log registers through the
 * dgo-register helper (register_helper.h) and so links no libcurl. */
#pragma once

#include <systemd/sd-event.h>

#include "basic/macros.h"
#include "http/http_client.h"
#include "providers.h"
#include "service.h"

struct registry_client;

struct registry_client_config {
        const char *registry_url;               /* NULL: $DGO_REGISTRY or REGISTRY_URL_DEFAULT */
        const char *service_name;               /* "GradingService" */
        const char *service_url;                /* "http://127.0.0.1:6000" */
        const char *unit;                       /* "dgo-grading.service"; NULL: foreign */
        const char *const *required;            /* NULL-terminated names; may be NULL */
};

/* The client and its HTTP client; nothing sent yet. PROVIDERS (may be
 * NULL: then no provider is ever known) is the table the patches go to,
 * borrowed: it must outlive the client. */
int registry_client_new(sd_event *e, const struct registry_client_config *config, struct providers *providers,
                        struct registry_client **ret);
/* Stops forwarding, frees the HTTP client (its pending requests are
 * cancelled: their callbacks run now, so free the client while what they
 * call back into, such as the HTTP server that answers suspended requests,
 * still exists), then the rest. */
void registry_client_free(struct registry_client *c);
DEFINE_POINTER_CLEANUP(struct registry_client *, registry_client_free)

/* Called once the registration is settled: 0 registered, -EINVAL refused
 * by the registry (not retried). While it cannot be reached it is retried,
 * so this may never be called. */
typedef void (*registry_client_done_fn)(int result, void *userdata);

/* Register, retrying with backoff; DONE may be NULL. -EALREADY when
 * registering already. */
int registry_client_register(struct registry_client *c, registry_client_done_fn done, void *userdata);

/* From now on the service's own log lines also go to a LogService
 * provider. Call it in the loop's thread (lines logged in other threads
 * are handed to it). */
void registry_client_forward_logs(struct registry_client *c);

/* The HTTP client, for the service's own requests (it stays the client's). */
struct http_client *registry_client_http(struct registry_client *c);
/* The registry's URL we register at (GET there lists the services). */
const char *registry_client_url(const struct registry_client *c);
/* "Authorization: Dgo NAME:HEX" for the service we register as, or NULL
 * without the installation secret: for requests to URLs auth_may_send_to(). */
const char *registry_client_authorization(const struct registry_client *c);
/* Whether the registry has answered our registration. */
int registry_client_registered(const struct registry_client *c);

/* The providers table's answers (providers.h), for a service that holds
 * only its client: NULL / -ENOENT when the client has no table. */
const char *registry_client_provider(struct registry_client *c, const char *name);
void registry_client_provider_failed(struct registry_client *c, const char *name, const char *url);

/* What a service's main() calls: take patches (service_accept_patches()),
 * and register S as NAME requiring REQUIRED (NULL-terminated, may be NULL)
 * at the registry of ARGS. *RET is the service's to free, before
 * service_close(). */
int service_register(struct service *s, const struct service_args *args, const char *name,
                     const char *const *required, struct registry_client **ret);
