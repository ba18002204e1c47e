/* dgo-registry - the service registry.
 *
 * The original protocol on /services (POST a Registration, DELETE a
 * ServiceURL, GET the table); health of dgo's own services from systemd over
 * D-Bus, of foreign ones from their heartbeat; patches to dependents when a
 * provider comes or goes. */
#include <errno.h>
#include <stdbool.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "http/http.h"
#include "http/http_server.h"
#include "basic/listen.h"
#include "basic/log.h"
#include "basic/loop.h"
#include "registry.h"
#include "service/service.h"
#include "unit_watch.h"

#define REGISTRATION_BODY_MAX (16 * 1024)

struct registry_service {
        struct registry reg;
        struct unit_watch *watch;
        struct http_server *http;
        int http_fd;
        bool restored;                  /* registrations came back from the state file */
        int failed;
        char address[128];
};

static int handle_register(struct http_request *req, void *userdata) {
        struct registry_service *svc = userdata;
        struct registration *r;
        json_error_t jerr;
        char error[160];
        size_t len;
        const char *body = http_request_body(req, &len);
        json_t *j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);

        if (!j)
                return http_reply_error(req, 400, "invalid JSON: %s (line %d, column %d)", jerr.text, jerr.line, jerr.column);
        int e = registration_from_json(j, &r, error, sizeof error);
        json_decref(j);
        if (e == -ENOMEM)
                return e;
        if (e < 0)
                return http_reply_error(req, 400, "%s", error);
        r->over_http = true;
        if (!registry_has_room(&svc->reg, r->url)) {
                registration_free(r);
                return http_reply_error(req, 507, "too many registrations (at most %d)", REGISTRY_MAX);
        }
        /* Saved first: a registration that cannot be saved is not acknowledged,
         * so it must not replace anything or be announced either. */
        if (state_save_change(&svc->reg, r, NULL) < 0) {
                registration_free(r);
                return http_reply_error(req, 500, "the registration could not be saved");
        }
        log_info("Registered %s at %s", r->name, r->url);
        e = registry_add(&svc->reg, r);
        return e < 0 ? e : http_reply_empty(req, 200);
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
        if (!registry_find(&svc->reg, url))
                return http_reply_error(req, 404, "no service registered at %s", url);
        if (state_save_change(&svc->reg, NULL, url) < 0)
                return http_reply_error(req, 500, "the change could not be saved");
        registry_remove(&svc->reg, url);
        return http_reply_empty(req, 200);
}

static int handle_list(struct http_request *req, void *userdata) {
        struct registry_service *svc = userdata;
        return http_reply_json(req, 200, registry_to_json(&svc->reg));
}

static int handle_heartbeat(struct http_request *req, void *userdata) {
        return http_reply(req, 200, "text/plain; charset=utf-8", "ok\n", 3);
}

static const struct http_route routes[] = {
        { "POST", "/services", handle_register, REGISTRATION_BODY_MAX },
        { "DELETE", "/services", handle_deregister, REGISTRATION_BODY_MAX },
        { "GET", "/services", handle_list, 0 },
        { "GET", "/heartbeat", handle_heartbeat, 0 },
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
        snprintf(buf, size, "Serving on %s; %zu services, %zu up; %llu patches sent, %llu retried, %llu given up",
                 svc->address, svc->reg.n_regs, up, svc->reg.patches_sent, svc->reg.patch_retries,
                 svc->reg.patches_failed);
}

/* Serve only once the unit states are known: an answer given before would
 * call every dgo service down. Requests wait in the socket's backlog meanwhile. */
static void on_units_listed(void *userdata) {
        struct registry_service *svc = userdata;
        sd_event *e = svc->reg.event;
        struct http_server_config hc = { .routes = routes, .n_routes = sizeof routes / sizeof routes[0],
                                         .userdata = svc, .connection_limit = service_connection_limit(1) };
        int r;

        r = http_server_start(e, svc->http_fd, &hc, &svc->http);
        if (r >= 0)
                r = heartbeat_start(&svc->reg);
        if (r >= 0)
                r = loop_add_status(e, status, svc);
        /* After a restart, tell running dependents where their providers are:
         * they may have missed changes meanwhile. */
        if (r >= 0 && svc->restored)
                r = sd_event_add_time_relative(e, NULL, CLOCK_MONOTONIC, 100 * 1000, 0, on_refresh, svc);
        if (r < 0) {
                svc->failed = r;
                sd_event_exit(e, r);
                return;
        }
        log_info("Serving on %s with %zu services known", svc->address, svc->reg.n_regs);
        notify_ready("Serving on %s; %zu services known", svc->address, svc->reg.n_regs);
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
                "  -h, --help                      show this help\n"
                "      --version                   show the version\n", DGO_DATADIR);
}

static int parse_number(const char *s, unsigned long min, unsigned long max, unsigned long *ret) {
        char *end;
        errno = 0;
        unsigned long v = strtoul(s, &end, 10);
        if (errno || end == s || *end || v < min || v > max)
                return -EINVAL;
        *ret = v;
        return 0;
}

int main(int argc, char **argv) {
        enum { OPT_VERSION = 0x100, OPT_STATE, OPT_DESCRIPTORS, OPT_NO_UNITS, OPT_HB_INTERVAL, OPT_HB_ATTEMPTS,
               OPT_HB_TIMEOUT };
        static const struct option options[] = {
                { "listen", required_argument, NULL, 'l' },
                { "state", required_argument, NULL, OPT_STATE },
                { "descriptors", required_argument, NULL, OPT_DESCRIPTORS },
                { "no-units", no_argument, NULL, OPT_NO_UNITS },
                { "heartbeat-interval", required_argument, NULL, OPT_HB_INTERVAL },
                { "heartbeat-attempts", required_argument, NULL, OPT_HB_ATTEMPTS },
                { "heartbeat-timeout", required_argument, NULL, OPT_HB_TIMEOUT },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, OPT_VERSION },
                { NULL, 0, NULL, 0 }
        };
        struct registry_service svc = { 0 };
        struct registry_config config = {
                .heartbeat_interval_usec = 3 * 1000000ULL,
                .heartbeat_attempts = 2,
                .heartbeat_timeout_ms = 1000,
                .notify_timeout_ms = 2000,
                .notify_attempts = 4,
                .descriptor_dir = DGO_DATADIR "/services",
        };
        const char *listen_addr = NULL;
        char *state_path = NULL;
        bool watch_units = true;
        unsigned long v;
        sd_event *e = NULL;
        int c, fd, r;

        log_setup("dgo-registry");
        service_raise_fd_limit();
        while ((c = getopt_long(argc, argv, "l:h", options, NULL)) >= 0) {
                switch (c) {
                case 'l': listen_addr = optarg; break;
                case OPT_STATE:
                        if (service_set_string(&state_path, optarg) < 0)
                                return 1;
                        break;
                case OPT_DESCRIPTORS: config.descriptor_dir = optarg; break;
                case OPT_NO_UNITS: watch_units = false; break;
                case OPT_HB_INTERVAL:
                        if (parse_number(optarg, 1, 3600, &v) < 0)
                                goto bad_number;
                        config.heartbeat_interval_usec = v * 1000000ULL;
                        break;
                case OPT_HB_ATTEMPTS:
                        if (parse_number(optarg, 1, 100, &v) < 0)
                                goto bad_number;
                        config.heartbeat_attempts = (unsigned) v;
                        break;
                case OPT_HB_TIMEOUT:
                        if (parse_number(optarg, 10, 60000, &v) < 0)
                                goto bad_number;
                        config.heartbeat_timeout_ms = (unsigned) v;
                        break;
                case 'h': usage(stdout); return 0;
                case OPT_VERSION: puts("dgo-registry " DGO_VERSION); return 0;
                default: usage(stderr); return 1;
                }
                continue;
        bad_number:
                fprintf(stderr, "dgo-registry: invalid value '%s' (see --help for the ranges)\n", optarg);
                return 1;
        }
        if (optind < argc) {
                fprintf(stderr, "dgo-registry: unexpected argument '%s'\n", argv[optind]);
                return 1;
        }
        if (!state_path)        /* none by hand: nothing persisted */
                state_path = service_dir_file("STATE_DIRECTORY", "registry.json", NULL);
        config.state_path = state_path;

        fd = listen_socket_get(listen_addr, svc.address, sizeof svc.address);
        if (fd == -ENOENT) {
                fprintf(stderr, "dgo-registry: no socket to serve on: start dgo-registry.socket, or pass --listen ADDR\n");
                return 1;
        }
        if (fd < 0)
                return 1;

        r = loop_new(&e);
        if (r < 0)
                goto out;
        r = registry_init(&svc.reg, e, &config);
        if (r < 0)
                goto out;
        descriptors_load(&svc.reg);
        size_t known = svc.reg.n_regs;
        state_load(&svc.reg);
        bool restored = svc.reg.n_regs > known;
        if (watch_units) {
                r = unit_watch_new(e, "dgo-*", on_unit, on_bus_lost, &svc, &svc.watch);
                if (r < 0) {
                        log_error_errno(r, "Cannot watch systemd units");
                        goto out;
                }
        }
        svc.restored = restored;
        svc.http_fd = fd;
        if (watch_units)
                unit_watch_on_listed(svc.watch, on_units_listed);
        else
                on_units_listed(&svc);
        if (svc.failed) {
                r = svc.failed;
                goto out;
        }
        r = loop_run(e);
        notify_stopping();
out:
        http_server_free(svc.http);
        unit_watch_free(svc.watch);
        if (svc.reg.event)
                registry_done(&svc.reg);
        sd_event_unref(e);
        free(state_path);
        return r < 0 ? 1 : 0;
}
