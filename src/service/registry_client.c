/* registry_client.c - see registry_client.h. */
#include "registry_client.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dgo/registration.h"
#include "basic/clock.h"
#include "basic/log.h"
#include "auth.h"
#include "tls.h"

#define RETRY_FIRST_USEC (200 * USEC_PER_MSEC)
#define RETRY_MAX_USEC (5 * USEC_PER_SEC)
#define REGISTER_TIMEOUT_MS 3000
#define LOG_FORWARD_MAX_PENDING 64

struct registry_client {
        sd_event *event;
        struct http_client *http;
        struct providers *providers;            /* borrowed; may be NULL */
        char *registry_url, *service_name;
        char *registration;                     /* the JSON we POST */
        char *authorization;                    /* "Authorization: Dgo NAME:HEX", or NULL: anonymous */

        /* Registering. */
        bool registering;
        registry_client_done_fn on_done;
        void *on_done_userdata;
        sd_event_source *retry;
        uint64_t retry_usec;
        unsigned attempts;
        int registered;

        /* Log forwarding, in the loop's thread only (libcurl): lines logged
         * in other threads come through this pipe, one strdup'd char * each. */
        bool forwarding;
        pthread_t loop_thread;
        int mailbox[2];
        sd_event_source *mailbox_source;
        unsigned forward_pending;
        unsigned long long forward_dropped;
};

static char *registration_json(const struct registry_client_config *config) {
        _cleanup_(json_decrefp) json_t *j = registration_request_new(config->service_name, config->service_url,
                                                                   config->required, config->unit);

        return j ? json_dumps(j, JSON_COMPACT) : NULL;
}

/* On a host of a cluster (the unit loads the cluster's CA as a credential):
 * reach the other hosts' services over HTTPS, trusting that CA alone, and
 * send them our token (auth_trust_cluster()). */
static int trust_cluster(struct http_client *http) {
        _cleanup_free_ char *ca = service_credential_path(TLS_CLUSTER_CA);
        int r;

        if (!ca)
                return 0;
        r = http_client_set_tls(http, ca, NULL, NULL);
        if (r < 0)
                return log_error_errno(r, "Cannot use the cluster's CA %s", ca);
        auth_trust_cluster();
        log_info("In a cluster: other hosts' services are reached over HTTPS, trusting %s", ca);
        return 0;
}

int registry_client_new(sd_event *e, const struct registry_client_config *config, struct providers *providers,
                        struct registry_client **ret) {
        _cleanup_(registry_client_freep) struct registry_client *c = NULL;
        const char *url = config->registry_url ? config->registry_url : getenv("DGO_REGISTRY");
        int r;

        assert(e);
        assert(config && config->service_name && config->service_url);
        assert(ret);
        c = calloc(1, sizeof *c);
        if (!c)
                return -ENOMEM;
        c->mailbox[0] = c->mailbox[1] = -EBADF;
        c->event = sd_event_ref(e);
        c->providers = providers;
        c->registry_url = strdup(url && *url ? url : REGISTRY_URL_DEFAULT);
        c->service_name = strdup(config->service_name);
        c->registration = registration_json(config);
        if (!c->registry_url || !c->service_name || !c->registration)
                return -ENOMEM;
        const char *token = auth_header_value(config->service_name);
        if (token && asprintf(&c->authorization, "Authorization: %s", token) < 0) {
                c->authorization = NULL;
                return -ENOMEM;
        }
        r = http_client_new(e, &c->http);
        if (r < 0)
                return r;
        r = trust_cluster(c->http);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(c);
        return 0;
}

void registry_client_free(struct registry_client *c) {
        if (!c)
                return;
        if (c->forwarding)
                log_set_forward(NULL, NULL);
        /* First: its cancelled requests call back into C. */
        http_client_free(c->http);
        sd_event_source_disable_unref(c->retry);
        sd_event_source_disable_unref(c->mailbox_source);
        if (c->mailbox[0] >= 0) {
                char *line;
                while (read(c->mailbox[0], &line, sizeof line) == sizeof line)
                        free(line);
                close(c->mailbox[0]);
                close(c->mailbox[1]);
        }
        free(c->registry_url);
        free(c->service_name);
        free(c->registration);
        free(c->authorization);
        sd_event_unref(c->event);
        free(c);
}

struct http_client *registry_client_http(struct registry_client *c) {
        assert(c);
        return c->http;
}

const char *registry_client_authorization(const struct registry_client *c) {
        assert(c);
        return c->authorization;
}

const char *registry_client_url(const struct registry_client *c) {
        assert(c);
        return c->registry_url;
}

int registry_client_registered(const struct registry_client *c) {
        assert(c);
        return c->registered;
}

const char *registry_client_provider(struct registry_client *c, const char *name) {
        assert(c);
        return c->providers ? providers_get(c->providers, name) : NULL;
}

void registry_client_provider_failed(struct registry_client *c, const char *name, const char *url) {
        assert(c);
        if (c->providers)
                providers_failed(c->providers, name, url);
}

/* Registering. */

static void send_registration(struct registry_client *c);

static int on_retry(sd_event_source *s, uint64_t usec, void *userdata) {
        struct registry_client *c = userdata;

        c->retry = sd_event_source_disable_unref(c->retry);
        send_registration(c);
        return 0;
}

static void on_registered(const struct http_client_response *resp, void *userdata) {
        struct registry_client *c = userdata;

        if (resp->status == 200) {
                c->registered = 1;
                log_info("Registered as %s with %s", c->service_name, c->registry_url);
                if (c->on_done)
                        c->on_done(0, c->on_done_userdata);
                return;
        }
        if (resp->error && strcmp(resp->error, "cancelled") == 0)
                return;
        if (resp->status >= 400 && resp->status < 500) {
                /* The registry rejected what we sent: retrying will not help. */
                log_error("The registry refused our registration: %ld %s", resp->status, resp->body);
                if (c->on_done)
                        c->on_done(-EINVAL, c->on_done_userdata);
                return;
        }
        /* Say so on the first failures, then only now and then. */
        if (c->attempts <= 3 || c->attempts % 20 == 0)
                log_notice("Registry at %s not reachable (%s), retrying in %llu ms", c->registry_url,
                           resp->status ? "HTTP error" : resp->error, (unsigned long long) c->retry_usec / 1000);
        if (sd_event_add_time_relative(c->event, &c->retry, CLOCK_MONOTONIC, c->retry_usec, 0, on_retry, c) < 0)
                log_error("Cannot schedule another registration attempt");
        c->retry_usec = c->retry_usec * 2 > RETRY_MAX_USEC ? RETRY_MAX_USEC : c->retry_usec * 2;
}

static void send_registration(struct registry_client *c) {
        c->attempts++;
        /* The registry's URL is the operator's (--registry, DGO_REGISTRY): it gets our token. */
        int r = http_client_request_with_header(c->http, "POST", c->registry_url, c->authorization,
                                                "application/json", c->registration, strlen(c->registration),
                                                REGISTER_TIMEOUT_MS, on_registered, c);
        if (r < 0)
                log_error_errno(r, "Cannot send the registration");
}

int registry_client_register(struct registry_client *c, registry_client_done_fn done, void *userdata) {
        assert(c);
        if (c->registering)
                return -EALREADY;
        c->registering = true;
        c->on_done = done;
        c->on_done_userdata = userdata;
        c->retry_usec = RETRY_FIRST_USEC;
        send_registration(c);
        return 0;
}

/* Log forwarding. */

static void on_forwarded(const struct http_client_response *resp, void *userdata) {
        struct registry_client *c = userdata;
        c->forward_pending--;
}

/* The original's client logger: a service's own lines go to the LogService
 * too, as "[ServiceName] - text". Bounded: beyond LOG_FORWARD_MAX_PENDING
 * requests in flight, lines are only in the journal. In the loop's thread. */
static void forward_now(struct registry_client *c, const char *text) {
        _cleanup_free_ char *body = NULL;
        char url[600];

        if (providers_get_copy(c->providers, "LogService", url, sizeof url - 4) < 0)
                return;
        if (c->forward_pending >= LOG_FORWARD_MAX_PENDING) {
                c->forward_dropped++;
                return;
        }
        if (asprintf(&body, "[%s] - %s", c->service_name, text) < 0) {
                body = NULL;
                return;
        }
        strcat(url, "/log");
        /* Our token only to dgo's own log service: any registrant may be a LogService. */
        const char *header = auth_may_send_to(url) ? c->authorization : NULL;
        if (http_client_request_with_header(c->http, "POST", url, header, "text/plain", body, strlen(body), 2000,
                                            on_forwarded, c) >= 0)
                c->forward_pending++;
}

static int on_mailbox(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        struct registry_client *c = userdata;
        char *line;

        for (int i = 0; i < 256 && read(fd, &line, sizeof line) == sizeof line; i++) {
                forward_now(c, line);
                free(line);
        }
        return 0;
}

/* Another thread: hand a copy of the line over (a pointer written to a pipe
 * is one atomic write); when the pipe is full the line is only in the journal. */
static void post_to_loop(struct registry_client *c, const char *text) {
        char *line = strdup(text);

        if (line && write(c->mailbox[1], &line, sizeof line) != sizeof line)
                free(line);
}

static void forward_log(int priority, const char *text, void *userdata) {
        struct registry_client *c = userdata;

        if (pthread_equal(pthread_self(), c->loop_thread))
                forward_now(c, text);
        else
                post_to_loop(c, text);
}

void registry_client_forward_logs(struct registry_client *c) {
        assert(c);
        if (!c->providers)
                return;
        if (c->mailbox[0] < 0) {
                if (pipe2(c->mailbox, O_CLOEXEC | O_NONBLOCK) < 0) {
                        log_error_errno(-errno, "Cannot forward log lines");
                        return;
                }
                if (sd_event_add_io(c->event, &c->mailbox_source, c->mailbox[0], EPOLLIN, on_mailbox, c) < 0) {
                        log_error("Cannot forward log lines: no event source");
                        return;
                }
        }
        c->loop_thread = pthread_self();
        c->forwarding = true;
        log_set_forward(forward_log, c);
}

/* For a service's main(). */

int service_register(struct service *s, const struct service_args *args, const char *name,
                     const char *const *required, struct registry_client **ret) {
        struct registry_client_config config = {
                .registry_url = args->registry,
                .service_name = name,
                .service_url = s->url,
                .unit = s->unit,
                .required = required,
        };
        _cleanup_(registry_client_freep) struct registry_client *c = NULL;
        int r;

        assert(ret);
        r = service_accept_patches(s);
        if (r < 0)
                return r;
        r = registry_client_new(s->event, &config, s->providers, &c);
        if (r < 0)
                return log_error_errno(r, "Cannot set up the registration");
        r = registry_client_register(c, NULL, NULL);
        if (r < 0)
                return log_error_errno(r, "Cannot set up the registration");
        *ret = TAKE_PTR(c);
        return 0;
}
