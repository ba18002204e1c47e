/* service.h - what the main() of every dgo service does, written once:
 * common options, the listening socket, the loop, the HTTP client, the
 * registration, the HTTP server, and tearing it all down in order. */
#pragma once

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <systemd/sd-event.h>

#include "http/http_client.h"
#include "http/http_server.h"
#include "registry_client.h"

struct service_args {
        const char *listen;             /* --listen ADDR */
        const char *registry;           /* --registry URL */
};

struct service {
        const char *ident;              /* "dgo-grading" */
        sd_event *event;
        int listen_fd;
        char address[128];              /* "127.0.0.1:6000" */
        char url[160];                  /* "http://127.0.0.1:6000" */
        char *unit;                     /* from DGO_UNIT, or NULL */
        unsigned threads;               /* serving threads for service_serve(); 0: the loop alone */
        struct http_client *client;     /* from service_register() */
        void (*release_client)(struct service *s);
        struct registry_client *registry;
        struct http_server *http;
        struct register_helper *register_helper;        /* from service_register_by_helper() */
        void (*release_helper)(struct service *s);
};

/* Service-specific option values get IDs from here on. */
#define SERVICE_OPT_FIRST 0x200

/* Parse the common options (-l/--listen, --registry, -h/--help, --version)
 * and the service's own EXTRA ones (may be NULL; each handed to ON_OPTION,
 * which returns < 0 to refuse its argument). Returns 0 to go on, > 0 when
 * main() should exit 0 (--help, --version), < 0 when it should exit 1. */
int service_parse_args(int argc, char **argv, const char *ident, const struct option *extra,
                       const char *extra_short, int (*on_option)(int opt, const char *arg, void *userdata),
                       void *userdata, void (*usage)(FILE *f), struct service_args *args);

/* The socket (socket activation or --listen) and the loop; raises the
 * descriptor limit first (service_raise_fd_limit()). */
int service_open(struct service *s, const char *ident, const struct service_args *args);

/* Raise the soft RLIMIT_NOFILE to the hard limit, as systemd recommends
 * for a process that never uses select() (we use epoll only, and
 * libmicrohttpd runs in its epoll mode). Returns the soft limit now in
 * force; a failure to raise is logged, and the limit stays as it was. */
uint64_t service_raise_fd_limit(void);

/* The HTTP connection limit for a server of THREADS threads in this
 * process: the soft RLIMIT_NOFILE less the descriptors kept for the rest
 * (fd_budget.h). Logged once per process. */
unsigned service_connection_limit(unsigned threads);

/* The HTTP client, and registering as NAME requiring REQUIRED
 * (NULL-terminated, may be NULL). In service_register.c (libcurl). */
int service_register(struct service *s, const struct service_args *args, const char *name,
                     const char *const *required);

/* Only the registry client's routes (GET /heartbeat, POST /services for
 * patches), without an HTTP client: for a service that requires nothing and
 * registers by helper (service_register_by_helper(), register_helper.h). */
int service_accept_patches(struct service *s, const struct service_args *args, const char *name);

/* Serve ROUTES, plus the registry client's /heartbeat and /services. */
int service_serve(struct service *s, const struct http_route *routes, size_t n_routes, void *userdata);

/* NAME in the first directory of the environment variable ENV (systemd sets
 * STATE_DIRECTORY=, LOGS_DIRECTORY=, ... from StateDirectory= and the like,
 * possibly a ':'-separated list); FALLBACK when ENV is unset or empty (may be
 * NULL). A malloc'd string, NULL when none or out of memory. */
char *service_dir_file(const char *env, const char *name, const char *fallback);

/* Replace *FIELD with a copy of VALUE (for string options). 0 or -ENOMEM. */
int service_set_string(char **field, const char *value);

/* Run until SIGTERM/SIGINT; says STOPPING=1. */
int service_run(struct service *s);
void service_close(struct service *s);
