/* dgo-registry - the service registry.
 *
 * The original protocol on /services (POST a Registration, DELETE a
 * ServiceURL, GET the table); health of dgo's own services from systemd over
 * D-Bus, of foreign ones from their heartbeat; patches to dependents when a
 * provider comes or goes. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "http/http.h"
#include "basic/clock.h"
#include "basic/list.h"
#include "basic/log.h"
#include "basic/loop.h"
#include "basic/macros.h"
#include "cluster.h"
#include "registry.h"
#include "service/auth.h"
#include "service/service.h"
#include "unit_watch.h"

#define REGISTRATION_BODY_MAX (16 * 1024)
/* How long a registration's answer waits for its first patch to reach the
 * registrant (the original's order: providers first, then the 200). */
#define FIRST_PATCH_WAIT_USEC (1500 * USEC_PER_MSEC)

struct pending_registration;

struct registry_service {
        struct service service;
        struct registry reg;
        struct unit_watch *watch;
        bool restored;                  /* registrations came back from the state file */
        int failed;
        struct pending_registration *pending;   /* answers waiting for a first patch */
        /* Cluster mode: only with a cluster.conf (a single host has none). */
        bool clustered;
        struct cluster_conf cluster_conf;
        struct cluster *cluster;
};

/* A registration answered once its first patch has reached the registrant,
 * or after FIRST_PATCH_WAIT_USEC (the patch then stays queued). */
struct pending_registration {
        struct notify_waiter waiter;            /* first: the waiter is the pending registration */
        struct registry_service *svc;
        struct http_request *req;
        sd_event_source *timer;
        bool waiting;                           /* the handler returned HTTP_LATER */
        bool told;                              /* told before that */
        LIST_FIELDS(struct pending_registration, pending);
};

static void pending_answer(struct pending_registration *p) {
        struct registry_service *svc = p->svc;

        notify_waiter_detach(&p->waiter);
        sd_event_source_disable_unref(p->timer);
        LIST_REMOVE(pending, svc->pending, p);
        (void) http_reply_empty(p->req, 200);
        http_request_resume(p->req);
        free(p);
}

static void on_first_patch(struct notify_waiter *w, bool delivered) {
        struct pending_registration *p = (struct pending_registration *) w;

        if (!p->waiting) {                      /* still in handle_register() */
                p->told = true;
                return;
        }
        if (!delivered)
                log_debug("The first patch did not reach the registrant: answering its registration anyway");
        pending_answer(p);
}

static int on_first_patch_timeout(sd_event_source *s, uint64_t usec, void *userdata) {
        struct pending_registration *p = userdata;

        log_debug("No answer to the first patch yet: answering the registration, the patch stays queued");
        pending_answer(p);
        return 0;
}

/* Answer every registration still waiting (before the server goes). */
static void pending_answer_all(struct registry_service *svc) {
        while (svc->pending)
                pending_answer(svc->pending);
}

/* May the sender (IDENTITY: a verified dgo service, or NULL: anonymous) make
 * registration R? Sets R's owner and returns 0, or puts why not in WHY and
 * returns -EPERM. The rules (docs/security.md, "The registry: who owns what"):
 * an entry with an owner (a descriptor's, or registered with a verified
 * token) is replaced only by that owner; a Unit is claimed only by its
 * descriptor's service; anonymous senders own the anonymous entries (they all
 * come from loopback: one source). Until an installation has a secret, dgo's
 * own services are anonymous: a registration that says exactly what a
 * descriptor says (name, URL, unit) is then taken as that service's. */
static int registration_check_owner(struct registry *reg, struct registration *r, const char *identity,
                                    char *why, size_t size) {
        const struct registration *old = registry_find(reg, r->url);
        const struct registration *desc = registry_descriptor_of_url(reg, r->url);
        bool as_descriptor = !identity && !auth_enabled() && desc && registration_is_descriptor(r, desc);
        const char *owner = identity ? identity : as_descriptor ? desc->name : NULL;

        /* A dgo service's name is its own once services can prove who they
         * are: another provider under it would be handed, with the
         * registry's own token, to every dgo service that requires it. */
        if (!owner && auth_enabled() && registry_descriptor_of_name(reg, r->name)) {
                snprintf(why, size, "%s is a dgo service's name: only that service may register under it", r->name);
                return -EPERM;
        }
        if (r->unit) {
                const struct registration *d = registry_descriptor_of_unit(reg, r->unit);
                if (!owner) {
                        snprintf(why, size, "an anonymous registration may not claim a \"Unit\"");
                        return -EPERM;
                }
                if (d && strcmp(d->name, owner) != 0) {
                        snprintf(why, size, "the \"Unit\" %s is %s's", r->unit, d->name);
                        return -EPERM;
                }
        }
        if (old && old->owner && (!owner || strcmp(old->owner, owner) != 0)) {
                snprintf(why, size, "%s is registered by %s: only it may replace the entry", r->url, old->owner);
                return -EPERM;
        }
        if (owner) {
                r->owner = strdup(owner);
                if (!r->owner)
                        return -ENOMEM;
        }
        return 0;
}

static int handle_register(struct http_request *req, void *userdata) {
        struct registry_service *svc = userdata;
        _cleanup_(json_decrefp) json_t *j = NULL;
        _cleanup_(registration_freep) struct registration *r = NULL;
        _cleanup_free_ struct pending_registration *p = NULL;
        json_error_t jerr;
        char error[160];
        size_t len;
        const char *body = http_request_body(req, &len);
        int e;

        j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
        if (!j)
                return http_reply_error(req, 400, "invalid JSON: %s (line %d, column %d)", jerr.text, jerr.line, jerr.column);
        e = registration_from_json(j, &r, error, sizeof error);
        if (e == -ENOMEM)
                return e;
        if (e < 0)
                return http_reply_error(req, 400, "%s", error);
        r->over_http = true;
        char host[REG_URL_MAX + 1];
        if (!service_url_host(r->url, host, sizeof host) || !registry_host_allowed(&svc->reg, host))
                return http_reply_error(req, 403, "\"ServiceURL\" names a host that is not allowed "
                                        "(loopback only, and the registry's --allow-service-host)");
        e = registration_check_owner(&svc->reg, r, auth_request_identity(req), error, sizeof error);
        if (e == -ENOMEM)
                return e;
        if (e < 0)
                return http_reply_error(req, 403, "%s", error);
        p = calloc(1, sizeof *p);
        if (!p)
                return -ENOMEM;
        *p = (struct pending_registration) { .waiter.done = on_first_patch, .svc = svc, .req = req };
        if (!registry_has_room(&svc->reg, r->url))
                return http_reply_error(req, 507, "too many registrations (at most %d)", REGISTRY_MAX);
        const struct registration *old = registry_find(&svc->reg, r->url);
        if (!r->owner && (!old || old->owner) && registry_anonymous_count(&svc->reg) >= REGISTRY_ANONYMOUS_MAX)
                return http_reply_error(req, 507, "too many anonymous registrations (at most %d)",
                                        REGISTRY_ANONYMOUS_MAX);
        /* Saved first: a registration that cannot be saved is not acknowledged,
         * so it must not replace anything or be announced either. */
        if (state_save_change(&svc->reg, r, NULL) < 0)
                return http_reply_error(req, 500, "the registration could not be saved");
        log_info("Registered %s at %s", r->name, r->url);
        e = registry_add(&svc->reg, TAKE_PTR(r), &p->waiter);
        if (e <= 0)
                return e < 0 ? e : http_reply_empty(req, 200);
        /* Its first patch is on its way: the answer waits for it, bounded. */
        if (p->told || sd_event_add_time_relative(svc->reg.event, &p->timer, CLOCK_MONOTONIC,
                                                  FIRST_PATCH_WAIT_USEC, 0, on_first_patch_timeout, p) < 0) {
                notify_waiter_detach(&p->waiter);
                return http_reply_empty(req, 200);
        }
        p->waiting = true;
        LIST_PREPEND(pending, svc->pending, p);
        TAKE_PTR(p);
        return HTTP_LATER;
}

static int handle_deregister(struct http_request *req, void *userdata) {
        struct registry_service *svc = userdata;
        size_t len;
        const char *body = http_request_body(req, &len);
        char url[REG_URL_MAX + 1];

        /* The original sends the bare URL; tolerate surrounding white space. */
        while (len > 0 && strchr(" \t\r\n", body[len - 1]))
                len--;
        while (len > 0 && strchr(" \t\r\n", *body)) {
                body++;
                len--;
        }
        if (len == 0 || len > REG_URL_MAX || memchr(body, '\0', len))
                return http_reply_error(req, 400, "the body must be the ServiceURL to deregister");
        memcpy(url, body, len);
        url[len] = '\0';
        const struct registration *r = registry_find(&svc->reg, url);
        if (!r)
                return http_reply_error(req, 404, "no service registered at %s", url);
        const char *identity = auth_request_identity(req);
        if (r->owner && (!identity || strcmp(identity, r->owner) != 0))
                return http_reply_error(req, 403, "%s is registered by %s: only it may remove the entry", url,
                                        r->owner);
        if (state_save_change(&svc->reg, NULL, url) < 0)
                return http_reply_error(req, 500, "the change could not be saved");
        registry_remove(&svc->reg, url);
        return http_reply_empty(req, 200);
}

static int handle_list(struct http_request *req, void *userdata) {
        struct registry_service *svc = userdata;
        json_t *list = registry_to_json(&svc->reg);

        if (svc->cluster)
                cluster_decorate_json(svc->cluster, list);
        return http_reply_json(req, 200, list);
}

static const struct http_route routes[] = {
        { "POST", "/services", handle_register, REGISTRATION_BODY_MAX, 0 },
        { "DELETE", "/services", handle_deregister, REGISTRATION_BODY_MAX, HTTP_ROUTE_TEXT },
        { "GET", "/services", handle_list, 0, 0 },
        { "GET", "/heartbeat", service_handle_heartbeat, 0, 0 },
};

static void on_unit(const char *unit, const char *active, const char *sub, void *userdata) {
        struct registry_service *svc = userdata;
        registry_unit_changed(&svc->reg, unit, active, sub);
}

static void on_bus_lost(void *userdata) {
        struct registry_service *svc = userdata;
        /* Without the bus the health of dgo's units is unknown: exit with a
         * failure and let systemd restart us (Restart=on-failure). */
        log_error("Lost the connection to the system bus, exiting");
        sd_event_exit(svc->reg.event, -ENOTCONN);
}

static int on_refresh(sd_event_source *s, uint64_t usec, void *userdata) {
        struct registry_service *svc = userdata;
        registry_refresh_all(&svc->reg);
        return 0;
}

static void status(char *buf, size_t size, void *userdata) {
        struct registry_service *svc = userdata;
        size_t up = 0;

        for (size_t i = 0; i < svc->reg.n_regs; i++)
                up += svc->reg.regs[i]->health == HEALTH_UP;
        int n = snprintf(buf, size, "Serving on %s; %zu services, %zu up; %llu patches sent, %llu retried, "
                         "%llu given up", svc->service.address, svc->reg.n_regs, up, svc->reg.patches_sent,
                         svc->reg.patch_retries, svc->reg.patches_failed);
        if (svc->cluster && n > 0 && (size_t) n + 2 < size) {
                memcpy(buf + n, "; ", 3);
                cluster_status(svc->cluster, buf + n + 2, size - (size_t) n - 2);
        }
}

/* In cluster mode, publish and watch through etcd, with the TLS material
 * systemd hands over (LoadCredential=) when there is any. */
static int start_cluster(struct registry_service *svc) {
        struct cluster_tls_files files;
        struct etcd_tls tls;
        bool has_tls = cluster_tls_from_credentials(getenv("CREDENTIALS_DIRECTORY"), &files, &tls);
        int r;

        r = cluster_new(&svc->reg, &svc->cluster_conf, has_tls ? &tls : NULL, &svc->cluster);
        if (r < 0)
                return log_error_errno(r, "Cannot set up the cluster's etcd client%s",
                                       has_tls ? "" : " (https:// endpoints need the credential "
                                                      CLUSTER_CREDENTIAL_CA ")");
        return cluster_start(svc->cluster);
}

/* Serve only once the unit states are known: an answer given before would
 * call every dgo service down. Requests wait in the socket's backlog meanwhile. */
static int start_serving(struct registry_service *svc) {
        sd_event *e = svc->service.event;
        int r;

        r = service_serve(&svc->service, routes, ELEMENTSOF(routes), svc);
        if (r < 0)
                return r;
        r = heartbeat_start(&svc->reg);
        if (r < 0)
                return r;
        r = loop_add_status(e, status, svc);
        if (r < 0)
                return r;
        if (svc->clustered) {
                r = start_cluster(svc);
                if (r < 0)
                        return r;
        }
        /* After a restart, tell running dependents where their providers are:
         * they may have missed changes meanwhile. */
        if (svc->restored) {
                r = sd_event_add_time_relative(e, NULL, CLOCK_MONOTONIC, 100 * USEC_PER_MSEC, 0, on_refresh, svc);
                if (r < 0)
                        return r;
        }
        log_info("Serving on %s with %zu services known", svc->service.address, svc->reg.n_regs);
        notify_ready("Serving on %s; %zu services known", svc->service.address, svc->reg.n_regs);
        return 0;
}

static void on_units_listed(void *userdata) {
        struct registry_service *svc = userdata;
        int r = start_serving(svc);

        if (r < 0) {
                svc->failed = r;
                sd_event_exit(svc->service.event, r);
        }
}

static void usage(FILE *f) {
        fprintf(f,
                "Usage: dgo-registry [OPTIONS]\n"
                "\n"
                "The dgo service registry. Normally started by dgo-registry.socket.\n"
                "\n"
                "  -l, --listen ADDR               listen on ADDR when not socket-activated\n"
                "      --state FILE                save registrations here (default:\n"
                "                                  $STATE_DIRECTORY/registry.json; none by hand)\n"
                "      --descriptors DIR           dgo service descriptors (default: %s/services)\n"
                "      --no-units                  do not watch systemd units over D-Bus\n"
                "      --heartbeat-interval SEC    poll foreign services every SEC (default 3)\n"
                "      --heartbeat-attempts N      failures in a row before \"down\" (default 2)\n"
                "      --heartbeat-timeout MS      per poll (default 1000)\n"
                "      --allow-service-host HOST   a ServiceURL may name HOST too, besides loopback\n"
                "                                  (repeatable, at most %d)\n"
                "      --anonymous-expiry SEC      an anonymous registration whose heartbeat has\n"
                "                                  failed for SEC goes (default 300; 0: never)\n"
                "      --cluster-conf FILE         the cluster configuration (default: %s if it\n"
                "                                  exists; without one, a single host)\n"
                "  -h, --help                      show this help\n"
                "      --version                   show the version\n", DGO_DATADIR, REGISTRY_ALLOW_HOSTS_MAX,
                CLUSTER_CONF_PATH);
}

static int parse_number(const char *s, unsigned long min, unsigned long max, unsigned long *ret) {
        char *end;
        errno = 0;
        unsigned long v = strtoul(s, &end, 10);
        if (errno || end == s || *end || v < min || v > max)
                return -ERANGE;                 /* "see --help for the ranges" */
        *ret = v;
        return 0;
}

enum { OPT_STATE = SERVICE_OPT_FIRST, OPT_DESCRIPTORS, OPT_NO_UNITS, OPT_HB_INTERVAL, OPT_HB_ATTEMPTS,
       OPT_HB_TIMEOUT, OPT_SERVICE_HOST, OPT_ANON_EXPIRY, OPT_CLUSTER_CONF };

struct registry_options {
        struct registry_config config;
        char *state_path;
        const char *cluster_conf;               /* --cluster-conf; NULL: CLUSTER_CONF_PATH if there */
        bool watch_units;
};

static int on_option(int opt, const char *arg, void *userdata) {
        struct registry_options *o = userdata;
        unsigned long v;
        int r;

        switch (opt) {
        case OPT_STATE:
                return service_set_string(&o->state_path, arg);
        case OPT_DESCRIPTORS:
                o->config.descriptor_dir = arg;
                return 0;
        case OPT_CLUSTER_CONF:
                o->cluster_conf = arg;
                return 0;
        case OPT_NO_UNITS:
                o->watch_units = false;
                return 0;
        case OPT_HB_INTERVAL:
                r = parse_number(arg, 1, 3600, &v);
                if (r >= 0)
                        o->config.heartbeat_interval_usec = v * USEC_PER_SEC;
                return r;
        case OPT_HB_ATTEMPTS:
                r = parse_number(arg, 1, 100, &v);
                if (r >= 0)
                        o->config.heartbeat_attempts = (unsigned) v;
                return r;
        case OPT_SERVICE_HOST: {
                char url[REG_URL_MAX + 1], host[REG_URL_MAX + 1];
                /* The same syntax as a ServiceURL's host, compared as written. */
                if (o->config.n_allow_hosts >= REGISTRY_ALLOW_HOSTS_MAX ||
                    snprintf(url, sizeof url, "http://%s:1", arg) >= (int) sizeof url ||
                    !service_url_host(url, host, sizeof host) || strcmp(host, arg) != 0)
                        return -EINVAL;
                o->config.allow_hosts[o->config.n_allow_hosts++] = arg;
                return 0;
        }
        case OPT_ANON_EXPIRY:
                r = parse_number(arg, 0, 7 * 24 * 3600, &v);
                if (r >= 0)
                        o->config.anonymous_expire_usec = v * USEC_PER_SEC;
                return r;
        case OPT_HB_TIMEOUT:
                r = parse_number(arg, 10, 60000, &v);
                if (r >= 0)
                        o->config.heartbeat_timeout_ms = (unsigned) v;
                return r;
        }
        return -EINVAL;
}

/* The table from the descriptors and the state file, then the unit watch,
 * whose first listing starts serving (at once with --no-units). */
static int setup(struct registry_service *svc, struct registry_options *o) {
        sd_event *e = svc->service.event;
        size_t known;
        int r;

        if (!o->state_path)     /* none by hand: nothing persisted */
                o->state_path = service_dir_file("STATE_DIRECTORY", "registry.json", NULL);
        o->config.state_path = o->state_path;
        /* A cluster only with its configuration; a file named but missing is an error. */
        r = cluster_conf_load(o->cluster_conf, &svc->cluster_conf);
        if (r >= 0) {
                svc->clustered = true;
                /* Services may advertise this host's cluster address (and the
                 * registry publishes loopback URLs with it). */
                if (o->config.n_allow_hosts < REGISTRY_ALLOW_HOSTS_MAX)
                        o->config.allow_hosts[o->config.n_allow_hosts++] = svc->cluster_conf.address;
        } else if (r != -ENOENT || o->cluster_conf)
                return log_error_errno(r, "Cannot read the cluster configuration %s",
                                       o->cluster_conf ? o->cluster_conf : CLUSTER_CONF_PATH);
        r = registry_init(&svc->reg, e, &o->config);
        if (r < 0)
                return r;
        descriptors_load(&svc->reg);
        known = svc->reg.n_regs;
        state_load(&svc->reg);
        svc->restored = svc->reg.n_regs > known;
        if (!o->watch_units) {
                on_units_listed(svc);
                return svc->failed;
        }
        r = unit_watch_new(e, "dgo-*", on_unit, on_bus_lost, svc, &svc->watch);
        if (r < 0)
                return log_error_errno(r, "Cannot watch systemd units");
        unit_watch_on_listed(svc->watch, on_units_listed);
        return 0;
}

static int run(struct registry_service *svc, struct registry_options *opts, const struct service_args *args) {
        int r;

        r = service_open(&svc->service, "dgo-registry", args);
        if (r < 0)
                return r;
        r = setup(svc, opts);
        if (r < 0)
                return r;
        return service_run(&svc->service);
}

int main(int argc, char **argv) {
        static const struct option options[] = {
                { "state", required_argument, NULL, OPT_STATE },
                { "descriptors", required_argument, NULL, OPT_DESCRIPTORS },
                { "no-units", no_argument, NULL, OPT_NO_UNITS },
                { "heartbeat-interval", required_argument, NULL, OPT_HB_INTERVAL },
                { "heartbeat-attempts", required_argument, NULL, OPT_HB_ATTEMPTS },
                { "heartbeat-timeout", required_argument, NULL, OPT_HB_TIMEOUT },
                { "allow-service-host", required_argument, NULL, OPT_SERVICE_HOST },
                { "anonymous-expiry", required_argument, NULL, OPT_ANON_EXPIRY },
                { "cluster-conf", required_argument, NULL, OPT_CLUSTER_CONF },
                { NULL, 0, NULL, 0 }
        };
        struct registry_options opts = {
                .config = {
                        .heartbeat_interval_usec = 3 * USEC_PER_SEC,
                        .heartbeat_attempts = 2,
                        .heartbeat_timeout_ms = 1000,
                        .notify_timeout_ms = 2000,
                        .notify_attempts = 4,
                        .anonymous_expire_usec = 300 * USEC_PER_SEC,
                        .descriptor_dir = DGO_DATADIR "/services",
                },
                .watch_units = true,
        };
        struct registry_service svc = { .service.listen_fd = -EBADF };
        struct service_args args;
        int r;

        /* The registry registers nowhere: no --registry. */
        r = service_parse_args_no_registry(argc, argv, "dgo-registry", options, NULL, on_option, &opts, usage,
                                           &args);
        if (r != 0)
                return r > 0 ? 0 : 1;
        r = run(&svc, &opts, &args);
        pending_answer_all(&svc);
        /* The server first, as it calls into the table; the registry's HTTP
         * client (in registry_done()) after the bus: its cancelled patches
         * call back into the queues. */
        service_close(&svc.service);
        unit_watch_free(svc.watch);
        /* Revoked: the other hosts see this host's services go now, not
         * after LeaseSec. Before the table goes (the cluster reads it). */
        cluster_free(svc.cluster, true);
        if (svc.reg.event)
                registry_done(&svc.reg);
        free(opts.state_path);
        return r < 0 ? 1 : 0;
}
