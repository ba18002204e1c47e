/* service.c - see service.h. */
#include "service.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "config.h"
#include "basic/fd_budget.h"
#include "basic/listen.h"
#include "basic/log.h"
#include "basic/loop.h"

enum { OPT_VERSION = 0x100, OPT_REGISTRY };

int service_parse_args(int argc, char **argv, const char *ident, const struct option *extra,
                       const char *extra_short, int (*on_option)(int opt, const char *arg, void *userdata),
                       void *userdata, void (*usage)(FILE *f), struct service_args *args) {
        static const struct option common[] = {
                { "listen", required_argument, NULL, 'l' },
                { "registry", required_argument, NULL, OPT_REGISTRY },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, OPT_VERSION },
        };
        struct option options[32];
        char shortopts[32];
        size_t n = 0;
        int c;

        for (size_t i = 0; i < sizeof common / sizeof common[0]; i++)
                options[n++] = common[i];
        for (const struct option *o = extra; o && o->name && n + 1 < sizeof options / sizeof options[0]; o++)
                options[n++] = *o;
        options[n] = (struct option) { NULL, 0, NULL, 0 };
        snprintf(shortopts, sizeof shortopts, "l:h%s", extra_short ? extra_short : "");

        *args = (struct service_args) { 0 };
        optind = 1;
        while ((c = getopt_long(argc, argv, shortopts, options, NULL)) >= 0) {
                switch (c) {
                case 'l': args->listen = optarg; break;
                case OPT_REGISTRY: args->registry = optarg; break;
                case 'h': usage(stdout); return 1;
                case OPT_VERSION: printf("%s %s\n", ident, DGO_VERSION); return 1;
                case '?': usage(stderr); return -EINVAL;
                default:
                        if (!on_option || on_option(c, optarg, userdata) < 0) {
                                fprintf(stderr, "%s: invalid value '%s' (see --help)\n", ident, optarg ? optarg : "");
                                return -EINVAL;
                        }
                }
        }
        if (optind < argc) {
                fprintf(stderr, "%s: unexpected argument '%s'\n", ident, argv[optind]);
                return -EINVAL;
        }
        return 0;
}

char *service_dir_file(const char *env, const char *name, const char *fallback) {
        const char *dirs = getenv(env);
        char *path;

        if (!dirs || !*dirs)
                return fallback ? strdup(fallback) : NULL;
        if (asprintf(&path, "%.*s/%s", (int) strcspn(dirs, ":"), dirs, name) < 0)
                return NULL;
        return path;
}

int service_set_string(char **field, const char *value) {
        char *copy = strdup(value);

        if (!copy)
                return -ENOMEM;
        free(*field);
        *field = copy;
        return 0;
}

/* The outgoing connections of the HTTP client are in the reserve. */
_Static_assert(FD_BUDGET_CLIENT >= HTTP_CLIENT_MAX_RUNNING, "fd_budget.h must reserve the HTTP client's connections");

uint64_t service_raise_fd_limit(void) {
        struct rlimit rl;

        if (getrlimit(RLIMIT_NOFILE, &rl) < 0) {
                log_warning_errno(-errno, "Cannot read the descriptor limit");
                return 1024;                    /* what systemd gives a service by default */
        }
        if (rl.rlim_cur < rl.rlim_max) {
                rlim_t was = rl.rlim_cur;
                rl.rlim_cur = rl.rlim_max;
                if (setrlimit(RLIMIT_NOFILE, &rl) < 0) {
                        log_warning_errno(-errno, "Cannot raise the descriptor limit from %llu to %llu",
                                          (unsigned long long) was, (unsigned long long) rl.rlim_max);
                        rl.rlim_cur = was;
                }
        }
        return rl.rlim_cur;
}

unsigned service_connection_limit(unsigned threads) {
        static bool logged;
        struct rlimit rl;
        uint64_t nofile = getrlimit(RLIMIT_NOFILE, &rl) < 0 ? 1024 : rl.rlim_cur;
        unsigned limit = fd_budget_connections(nofile, threads);

        if (!logged) {
                logged = true;
                if (nofile < 2 * (uint64_t) fd_budget_reserve(threads))
                        log_warning("Only %llu descriptors (LimitNOFILE=): at most %u HTTP connections at once",
                                    (unsigned long long) nofile, limit);
                else
                        log_info("Up to %llu descriptors: at most %u HTTP connections at once",
                                 (unsigned long long) nofile, limit);
        }
        return limit;
}

int service_open(struct service *s, const char *ident, const struct service_args *args) {
        *s = (struct service) { .ident = ident, .listen_fd = -1 };
        log_setup(ident);
        service_raise_fd_limit();
        s->listen_fd = listen_socket_get(args->listen, s->address, sizeof s->address);
        if (s->listen_fd == -ENOENT) {
                fprintf(stderr, "%s: no socket to serve on: start %s.socket, or pass --listen ADDR\n", ident, ident);
                return -ENOENT;
        }
        if (s->listen_fd < 0)
                return s->listen_fd;
        snprintf(s->url, sizeof s->url, "http://%s", s->address);
        s->unit = own_service_unit();

        return loop_new(&s->event);
}

int service_accept_patches(struct service *s, const struct service_args *args, const char *name) {
        struct registry_client_config rc = {
                .registry_url = args->registry,
                .service_name = name,
                .service_url = s->url,
                .unit = s->unit,
        };
        int r = s->registry ? 0 : registry_client_new(s->event, &rc, &s->registry);

        if (r < 0)
                return log_error_errno(r, "Cannot set up the registry client");
        return 0;
}

int service_serve(struct service *s, const struct http_route *routes, size_t n_routes, void *userdata) {
        struct http_server_config config = {
                .routes = routes,
                .n_routes = n_routes,
                .userdata = userdata,
                .core_routes = s->registry ? registry_client_routes : NULL,
                .n_core_routes = s->registry ? registry_client_n_routes : 0,
                .core_userdata = s->registry,
                .threads = s->threads,
                .connection_limit = service_connection_limit(s->threads),
        };
        return http_server_start(s->event, s->listen_fd, &config, &s->http);
}

int service_run(struct service *s) {
        int r = loop_run(s->event);
        notify_stopping();
        return r;
}

void service_close(struct service *s) {
        /* The HTTP client first: its pending requests call back as they are
         * cancelled, into the registry client, or to answer and resume
         * suspended requests of the server. Through a hook, so that a
         * process without a client does not link libcurl. */
        if (s->release_client)
                s->release_client(s);
        if (s->release_helper)
                s->release_helper(s);
        http_server_free(s->http);
        registry_client_free(s->registry);
        sd_event_unref(s->event);
        free(s->unit);
        *s = (struct service) { .listen_fd = -1 };
}
