/* service.c - see service.h. */
#include "service.h"

#include <assert.h>
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
#include "basic/macros.h"
#include "dgo/registration.h"
#include "http/http.h"
#include "http/http_client.h"
#include "auth.h"

enum {
        OPT_VERSION = 0x100, OPT_REGISTRY, OPT_ALLOW_HOST, OPT_NO_ANONYMOUS,
        OPT_LISTEN_HTTPS, OPT_TLS_CERT, OPT_TLS_KEY, OPT_ALLOW_PLAIN_HTTP, OPT_LISTEN_CLUSTER,
};

static int parse_args(int argc, char **argv, const char *ident, bool with_registry, const struct option *extra,
                      const char *extra_short, int (*on_option)(int opt, const char *arg, void *userdata),
                      void *userdata, void (*usage)(FILE *f), struct service_args *args) {
        static const struct option common[] = {
                { "listen", required_argument, NULL, 'l' },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, OPT_VERSION },
                { "allow-host", required_argument, NULL, OPT_ALLOW_HOST },
                { "no-anonymous", no_argument, NULL, OPT_NO_ANONYMOUS },
                { "listen-https", required_argument, NULL, OPT_LISTEN_HTTPS },
                { "tls-cert", required_argument, NULL, OPT_TLS_CERT },
                { "tls-key", required_argument, NULL, OPT_TLS_KEY },
                { "allow-plain-http", no_argument, NULL, OPT_ALLOW_PLAIN_HTTP },
                { "listen-cluster", required_argument, NULL, OPT_LISTEN_CLUSTER },
                { "registry", required_argument, NULL, OPT_REGISTRY },  /* last: not for the registry */
        };
        size_t n_hosts = 0;
        struct option options[32];
        char shortopts[32];
        size_t n = 0;
        int c, r;

        assert(argv && ident && usage && args);
        for (size_t i = 0; i < ELEMENTSOF(common) - !with_registry; i++)
                options[n++] = common[i];
        for (const struct option *o = extra; o && o->name && n + 1 < ELEMENTSOF(options); o++)
                options[n++] = *o;
        options[n] = (struct option) { NULL, 0, NULL, 0 };
        snprintf(shortopts, sizeof shortopts, "l:h%s", extra_short ? extra_short : "");

        *args = (struct service_args) { 0 };
        optind = 1;
        while ((c = getopt_long(argc, argv, shortopts, options, NULL)) >= 0) {
                switch (c) {
                case 'l': args->listen = optarg; break;
                case OPT_REGISTRY: args->registry = optarg; break;
                case OPT_NO_ANONYMOUS: args->no_anonymous = true; break;
                case OPT_LISTEN_HTTPS: args->listen_https = optarg; break;
                case OPT_TLS_CERT: args->tls_cert = optarg; break;
                case OPT_TLS_KEY: args->tls_key = optarg; break;
                case OPT_ALLOW_PLAIN_HTTP: args->allow_plain_http = true; break;
                case OPT_LISTEN_CLUSTER: args->listen_cluster = optarg; break;
                case OPT_ALLOW_HOST:
                        if (n_hosts == SERVICE_HOST_NAMES_MAX || !*optarg || strpbrk(optarg, "/ \t\r\n")) {
                                fprintf(stderr, "%s: --allow-host takes a host name (or NAME:PORT), at most %d of them\n",
                                        ident, SERVICE_HOST_NAMES_MAX);
                                return -EINVAL;
                        }
                        args->host_names[n_hosts++] = optarg;
                        break;
                case 'h': usage(stdout); return 1;
                case OPT_VERSION: printf("%s %s\n", ident, DGO_VERSION); return 1;
                case '?': usage(stderr); return -EINVAL;
                default:
                        r = on_option ? on_option(c, optarg, userdata) : -EINVAL;
                        if (r < 0) {
                                fprintf(stderr, "%s: invalid value '%s' (see --help%s)\n", ident,
                                        optarg ? optarg : "", r == -ERANGE ? " for the ranges" : "");
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

int service_parse_args(int argc, char **argv, const char *ident, const struct option *extra,
                       const char *extra_short, int (*on_option)(int opt, const char *arg, void *userdata),
                       void *userdata, void (*usage)(FILE *f), struct service_args *args) {
        return parse_args(argc, argv, ident, true, extra, extra_short, on_option, userdata, usage, args);
}

int service_parse_args_no_registry(int argc, char **argv, const char *ident, const struct option *extra,
                                   const char *extra_short,
                                   int (*on_option)(int opt, const char *arg, void *userdata),
                                   void *userdata, void (*usage)(FILE *f), struct service_args *args) {
        return parse_args(argc, argv, ident, false, extra, extra_short, on_option, userdata, usage, args);
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

/* Raise the soft RLIMIT_NOFILE to the hard limit, as systemd recommends
 * for a process that never uses select() (we use epoll only, and
 * libmicrohttpd runs in its epoll mode). A failure is logged, and the
 * limit stays as it was. */
static void raise_fd_limit(void) {
        struct rlimit rl;
        rlim_t was;

        if (getrlimit(RLIMIT_NOFILE, &rl) < 0) {
                log_warning_errno(-errno, "Cannot read the descriptor limit");
                return;
        }
        if (rl.rlim_cur >= rl.rlim_max)
                return;
        was = rl.rlim_cur;
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
                log_warning_errno(-errno, "Cannot raise the descriptor limit from %llu to %llu",
                                  (unsigned long long) was, (unsigned long long) rl.rlim_max);
}

/* The HTTP connection limit for a server of THREADS threads in this
 * process: the soft RLIMIT_NOFILE less the descriptors kept for the rest
 * (fd_budget.h). Logged once per process. */
static unsigned connection_limit(unsigned threads) {
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

/* The .service unit this process runs in ("dgo-log.service"), as the unit
 * file says in DGO_UNIT=%n; NULL when run by hand. (sd_pid_get_unit() would
 * need PID 1's cgroup, which ProtectProc=invisible rightly hides.) */
static char *own_service_unit(void) {
        const char *unit = getenv("DGO_UNIT");

        return unit && unit_name_valid(unit) ? strdup(unit) : NULL;
}

/* The HTTPS socket's certificate, and its Host names: the configured ones
 * and the certificate's. */
static int open_https(struct service *s, const struct service_args *args) {
        size_t n = 0;
        int r = service_tls_load(&s->tls, s->ident, args->tls_cert, args->tls_key);

        if (r == -ENOENT)
                log_error("An HTTPS socket (%s) but no certificate: put it and its key in "
                          "/etc/credstore/%s-tls.crt and %s-tls.key, or pass --tls-cert and --tls-key",
                          s->https_address, s->ident, s->ident);
        if (r < 0)
                return r;
        for (size_t i = 0; args->host_names[i]; i++)
                s->https_names[n++] = args->host_names[i];
        for (size_t i = 0; s->tls.names[i]; i++)
                s->https_names[n++] = s->tls.names[i];
        return 0;
}

/* The cluster socket's certificate: this host's in the cluster (dgoctl
 * cluster), which the other hosts check against the cluster's CA. */
static int open_cluster(struct service *s) {
        int r = service_tls_load_credentials(&s->cluster_tls, TLS_CLUSTER_CERT, TLS_CLUSTER_KEY);

        if (r == -ENOENT)
                log_error("A cluster socket (%s) but no cluster certificate: %s and %s come from /etc/credstore, "
                          "which dgoctl cluster init or join fills", s->cluster_address, TLS_CLUSTER_CERT,
                          TLS_CLUSTER_KEY);
        if (r < 0)
                return r;
        /* Only dgo's verified services are served there: without the
         * installation secret nobody would be. */
        if (!auth_enabled())
                return log_error_errno(-EPERM, "A cluster socket (%s) but no installation secret "
                                       "(LoadCredential=dgo-secret): nobody could be served there",
                                       s->cluster_address);
        return 0;
}

int service_open(struct service *s, const char *ident, const struct service_args *args) {
        struct listen_sockets ls;
        int r;

        assert(s && ident && args);
        *s = (struct service) { .ident = ident, .listen_fd = -EBADF, .https_fd = -EBADF, .cluster_fd = -EBADF };
        log_setup(ident);
        raise_fd_limit();
        /* The installation secret, before any thread: who we and our peers are. */
        r = auth_setup();
        if (r < 0)
                return r;
        r = listen_sockets_get(args->listen, args->listen_https, args->listen_cluster, &ls);
        if (r == -ENOENT) {
                fprintf(stderr, "%s: no socket to serve on: start %s.socket, or pass --listen ADDR\n", ident, ident);
                return -ENOENT;
        }
        if (r < 0)
                return r;
        s->listen_fd = ls.http_fd;
        s->https_fd = ls.https_fd;
        s->cluster_fd = ls.cluster_fd;
        snprintf(s->address, sizeof s->address, "%s", ls.http);
        snprintf(s->https_address, sizeof s->https_address, "%s", ls.https);
        snprintf(s->cluster_address, sizeof s->cluster_address, "%s", ls.cluster);
        /* Plain HTTP to other hosts carries passwords, sessions and grades in
         * clear: only when asked for (docs/security.md, "HTTPS"). */
        if (!listen_socket_local(s->listen_fd)) {
                if (!args->allow_plain_http)
                        return log_error_errno(-EPERM, "Refusing to serve plain HTTP on %s, which is not a loopback "
                                               "address: serve other hosts over HTTPS, or pass --allow-plain-http",
                                               s->address);
                log_warning("Serving plain HTTP to other hosts on %s (--allow-plain-http)", s->address);
                s->plain_any_peer = true;
        }
        if (s->https_fd >= 0) {
                r = open_https(s, args);
                if (r < 0)
                        return r;
        }
        if (s->cluster_fd >= 0) {
                r = open_cluster(s);
                if (r < 0)
                        return r;
        }
        snprintf(s->url, sizeof s->url, "http://%s", s->address);
        s->unit = own_service_unit();
        memcpy(s->host_names, args->host_names, sizeof s->host_names);
        s->no_anonymous = args->no_anonymous;
        if (s->no_anonymous && !auth_enabled())
                log_warning("--no-anonymous without the installation secret: every request will be refused");

        return loop_new(&s->event);
}

int service_accept_patches(struct service *s) {
        int r;

        assert(s);
        if (s->providers)
                return 0;
        r = providers_new(&s->providers);
        if (r < 0)
                return log_error_errno(r, "Cannot set up the providers table");
        return 0;
}

int service_handle_heartbeat(struct http_request *req, void *userdata) {
        return http_reply(req, 200, "text/plain; charset=utf-8", "ok\n", 3);
}

/* Requests of dgo's verified services skip the web rules (http_server.h). */
static bool request_trusted(struct http_request *req) {
        return auth_request_identity(req) != NULL;
}

/* What every service that takes patches serves besides its own routes. */
static const struct http_route patch_routes[] = {
        { "GET", "/heartbeat", service_handle_heartbeat, 0, 0 },
        { "POST", "/services", providers_handle_patch, 64 * 1024, 0 },
};

int service_serve(struct service *s, const struct http_route *routes, size_t n_routes, void *userdata) {
        struct http_server_config config = {
                .routes = routes,
                .n_routes = n_routes,
                .userdata = userdata,
                .core_routes = s->providers ? patch_routes : NULL,
                .n_core_routes = s->providers ? ELEMENTSOF(patch_routes) : 0,
                .core_userdata = s->providers,
                .threads = s->threads,
                .trusted = request_trusted,
                .no_anonymous = s->no_anonymous,
                .host_names = s->host_names,
                .any_peer = s->plain_any_peer,
        };
        int r;

        assert(s && s->event);
        /* The servers share the descriptors. */
        config.connection_limit = connection_limit(s->threads) /
                                  (1 + (s->https_fd >= 0) + (s->cluster_fd >= 0));
        r = http_server_start(s->event, s->listen_fd, &config, &s->http);
        if (r < 0)
                return r;

        config.any_peer = true;
        if (s->https_fd >= 0) {
                config.tls_cert = s->tls.cert;
                config.tls_key = s->tls.key;
                config.host_names = s->https_names;
                r = http_server_start(s->event, s->https_fd, &config, &s->https);
                if (r < 0)
                        return r;
                log_info("Serving HTTPS on %s", s->https_address);
        }
        if (s->cluster_fd >= 0) {
                /* The other hosts' dgo services, each proving its name. */
                config.tls_cert = s->cluster_tls.cert;
                config.tls_key = s->cluster_tls.key;
                config.host_names = (const char *const *) s->cluster_tls.names;
                config.no_anonymous = true;
                r = http_server_start(s->event, s->cluster_fd, &config, &s->cluster);
                if (r < 0)
                        return r;
                log_info("Serving the cluster's other hosts over HTTPS on %s", s->cluster_address);
        }
        return 0;
}

int service_run(struct service *s) {
        assert(s);
        int r = loop_run(s->event);
        notify_stopping();
        return r;
}

void service_close(struct service *s) {
        assert(s);
        http_server_free(s->cluster);
        http_server_free(s->https);
        http_server_free(s->http);
        service_tls_done(&s->cluster_tls);
        service_tls_done(&s->tls);
        providers_free(s->providers);
        sd_event_unref(s->event);
        free(s->unit);
        *s = (struct service) { .listen_fd = -EBADF, .https_fd = -EBADF, .cluster_fd = -EBADF };
}
